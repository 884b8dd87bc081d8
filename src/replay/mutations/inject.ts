/**
 * Applying a mutation to one victim row: choose the victim among the rows the scenario says the
 * defect would visibly change, then run the defect — as an update, a delete, or the scenario's own
 * statement — with triggers on or off as the mutation class says.
 */
import type { Params, ReplayDatabase, Row } from '../database.js';
import type { MutationInstance } from '../scenario/load.js';
import type { KeyRef } from '../snapshot.js';
import { quoteIdent } from '../quote.js';

/** Candidate victims (key values as text) in key order, so a victim index always means the same row. */
export function candidatesSql(m: MutationInstance, keyColumns: readonly string[]): string {
  const keys = keyColumns.map((k) => `(${quoteIdent(k)})::text as ${quoteIdent(k)}`).join(', ');
  return `select ${keys} from ${quoteIdent(m.table!)} where (${m.where ?? 'true'}) order by ${keyColumns.map(quoteIdent).join(', ')}`;
}

/** The defect as one statement whose parameters $1…$n are the victim's key values. */
export function defectSql(m: MutationInstance, keyColumns: readonly string[]): string {
  if (m.sql !== undefined) return m.sql;
  const match = `(${keyColumns.map(quoteIdent).join(', ')}) = (${keyColumns.map((_, i) => `$${i + 1}`).join(', ')})`;
  if (m.delete) return `delete from ${quoteIdent(m.table!)} where ${match}`;
  return `update ${quoteIdent(m.table!)} set ${m.set!} where ${match}`;
}

/**
 * Injects the defect into the `victim`-th candidate row. Returns the victim, or undefined when no
 * row qualifies (the mutation cannot apply to this case).
 */
export async function injectVictim(db: ReplayDatabase, m: MutationInstance, victim: number, keyColumns: readonly string[], chosen?: readonly Row[]): Promise<KeyRef | undefined> {
  // `chosen`: candidates picked earlier, so picking them is not itself a read inside a watched window.
  const candidates = chosen ?? await db.query(candidatesSql(m, keyColumns));
  if (candidates.length === 0) return undefined;
  const row = candidates[victim % candidates.length]!;
  const key = Object.fromEntries(keyColumns.map((k) => [k, String(row[k])]));
  const params: Params = keyColumns.map((k) => key[k]!);
  const statement = defectSql(m, keyColumns);
  if (m.definition.triggers === 'off') {
    // Writing "behind the trigger's back" is what replica mode is for; it lasts only this transaction.
    await db.transaction(async (query) => {
      await query('set local session_replication_role = replica');
      await query(statement, params);
    });
  } else {
    await db.query(statement, params);
  }
  return { table: m.table!, key };
}
