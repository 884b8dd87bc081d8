/**
 * Which side's keys a shadow read samples (pure, judged when the check file loads). The claim of a
 * pass is about the population the keys are drawn from: "of the keys in `sample.from`, fewer than
 * max_mismatch_rate read differently". A key that population lacks is never drawn, so a sample of
 * the NEW side's table can never show a key the new shape lost — a migration that dropped 30% of
 * the rows passed. The sample must hold the OLD side's keys (what clients can read today); a key
 * only the new side has (an extra) is outside that claim, and a row count or table_diff shows it.
 *
 * Told from the paths: a SQL path on `sample.from`'s source whose query reads its table holds
 * that table's keys. When the paths cannot tell (HTTP, a view, another database), the check file
 * says so with `side: old`; `side: new`, or a table only the new path reads, cannot load.
 */
import { findKeyPlaceholders, withPositionalParameters } from '../../sql/key-placeholders.js';
import { parseSql } from '../../sql/parser.js';
import { walkSqlTree } from '../../sql/tree-walk.js';
import { formatTableRef, type TableRef } from '../../sql/identifiers.js';

type Path = { source: string; query: string } | { http: string };

export interface SampleScopeSides {
  from: { source: string; table: TableRef; side?: 'old' | 'new' | undefined };
  old: Path;
  new: Path;
}

/** The problem with the sampled side, phrased for `sample.from`, or undefined when it holds the old side's keys. */
export function sampleSideProblem(spec: SampleScopeSides): string | undefined {
  const { from } = spec;
  const shown = `${formatTableRef(from.table)} on ${from.source}`;
  const lost = 'a key the new side lost (present in the old, missing in the new) is never drawn, so a migration that dropped rows would pass';
  if (from.side === 'new') return `side: new samples the new side's keys: ${lost}; sample the old side's table (side: old)`;
  const oldReads = readsScope(spec.old, from);
  if (oldReads) return undefined;
  // The new path reads this very table and the old path (a query, whose reads are known) does not.
  if (readsScope(spec.new, from) && ('query' in spec.old || from.side !== 'old')) {
    const unless = 'query' in spec.old ? '' : ' (or, if the old endpoint serves exactly this table\'s keys, say so with side: old)';
    return `${shown} is what the new path reads, not the old path: ${lost}; sample the old side's table${unless}`;
  }
  if (from.side === 'old') return undefined;
  if ('source' in spec.old && 'source' in spec.new && spec.old.source !== spec.new.source) {
    if (from.source === spec.old.source) return undefined;
    if (from.source === spec.new.source) return `${shown} is in the new path's source (${spec.new.source}), not the old path's (${spec.old.source}): ${lost}; sample the old side's table (or, if this table holds every key the old path serves, say so with side: old)`;
  }
  return `cannot tell whether ${shown} holds the old side's keys (no old path query on ${from.source} reads it); if a sample from it can draw every key the old path serves, say so with side: old — a sample of the new side's keys never draws a key the new side lost`;
}

/** Whether a SQL path on the scope's source reads the scope's table (a relation of that name, not a CTE). */
function readsScope(path: Path, from: { source: string; table: TableRef }): boolean {
  if (!('query' in path) || path.source !== from.source) return false;
  return relationsRead(path.query).some((r) => r.name === from.table.name && (r.schema === undefined || from.table.schema === undefined || r.schema === from.table.schema));
}

/** The relations a query names (`schema.name` or `name`), leaving out names its own WITH clauses define. */
export function relationsRead(query: string): TableRef[] {
  const parsed = parseSql(withPositionalParameters(query, findKeyPlaceholders(query)));
  if (parsed.kind !== 'parsed') return [];
  const ctes = new Set<string>();
  const found: TableRef[] = [];
  walkSqlTree(parsed.tree, ({ type, fields }) => {
    if (type === 'CommonTableExpr' && typeof fields['ctename'] === 'string') ctes.add(fields['ctename']);
    if (type !== 'RangeVar' || typeof fields['relname'] !== 'string') return;
    const schema = typeof fields['schemaname'] === 'string' ? fields['schemaname'] : undefined;
    found.push(schema === undefined ? { name: fields['relname'] } : { schema, name: fields['relname'] });
  });
  return found.filter((r) => r.schema !== undefined || !ctes.has(r.name));
}
