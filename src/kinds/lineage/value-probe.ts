/**
 * Whether a compared value depends on the columns it reads. Lineage says which columns a value is
 * computed from, not whether it uses them: `substr(full_name, 1, 0)` against `substr(first_name,
 * 1, 0)`, `score * 0`, `(x = x)::text`, `md5(x) is not null`, `case when x > 'm' then 'a' else 'a'
 * end` read disjoint columns and agree on every row whatever the columns hold. The family of such
 * spellings is open, so the server decides: the value's expression, as the plan computes it, is
 * evaluated over probe rows standing in for the relations it reads, and a value with fewer than
 * two distinct non-NULL results is fixed whatever its inputs, or tells at most whether they are
 * NULL (`md5(x) is not null`, `x * 0`).
 *
 * Two probes share that reading. shadow_read's (`planValueProbe`) evaluates over the sampled keys'
 * rows of the shared table with the key held at one row's value (the key is matched on both sides
 * by construction). column_parity's (`planRowsProbe`, `planVariedProbe`, lineage/fixed-values.ts)
 * feeds each input column from a pool — its own values in a bounded number of rows and literals of
 * its type — so that a value of a column holding one value everywhere is not taken as fixed.
 *
 * The expression is the server's own deparse of the operator's query (trusted configuration), or
 * the operator's own expression, run in the same read-only transaction any read runs in.
 */
import { readsOfText } from './column-lineage.js';
import { keyArrayLiteral } from '../../compare/key-literal.js';
import { joinSql, sql, tableSql, type SQL } from '../../sql/build.js';
import type { TableRef } from '../../sql/identifiers.js';

/** Rows probed per relation read, by how many relations the value reads (their product is evaluated). */
const PROBE_ROWS = [40, 12, 6];

/**
 * The columns a plan text reads, per relation alias of the plan; undefined when it cannot be
 * evaluated apart from its plan (a sub-plan, a parameter, a column of something other than a
 * relation scan).
 */
export function probeInputs(text: string | undefined, relations: ReadonlyMap<string, TableRef>): Map<string, Set<string>> | undefined {
  const reads = text === undefined ? undefined : readsOfText(text, false);
  if (reads === undefined || reads.rewritten || reads.subplans.length > 0 || reads.params.length > 0) return undefined;
  const byAlias = new Map<string, Set<string>>();
  // EXPLAIN leaves a column unqualified where the query reads one relation.
  const only = relations.size === 1 ? [...relations.keys()][0] : undefined;
  for (const column of reads.columns) {
    const alias = column.alias ?? only;
    if (alias === undefined || !relations.has(alias)) return undefined;
    byAlias.set(alias, (byAlias.get(alias) ?? new Set()).add(column.column));
  }
  return byAlias;
}

/**
 * The statement counting the distinct non-NULL values `text` takes over probe rows (`n`), or
 * undefined when it cannot be evaluated apart from its plan (probeInputs, or more relations than
 * PROBE_ROWS covers). `grouped`: each probe row its own group, for a value computed by an
 * aggregate over a key's rows.
 */
export function planValueProbe(
  text: string | undefined,
  relations: ReadonlyMap<string, TableRef>,
  heldColumns: (alias: string) => readonly { column: string; values: readonly string[] }[],
  grouped = false,
): SQL | undefined {
  const byAlias = probeInputs(text, relations);
  if (text === undefined || byAlias === undefined) return undefined;
  const limit = PROBE_ROWS[byAlias.size - 1];
  if (byAlias.size > 0 && limit === undefined) return undefined;
  const froms = [...byAlias].map(([alias, columns]) => {
    const relation = tableSql(relations.get(alias)!);
    const keyed = heldColumns(alias);
    const held = new Set(keyed.map((key) => key.column));
    // The sampled keys' rows: the rows the check compares (a table's first rows may all predate a backfill).
    const sampled = keyed.length === 0 ? sql`` : sql` where ${joinSql(keyed.map((key) => sql`${sql.identifier(key.column)} = any(${keyArrayLiteral(key.values)})`), sql` and `)}`;
    const picked = joinSql([...columns].map((column) => {
      const name = sql.identifier(column);
      return held.has(column) ? sql`f.${name} as ${name}` : sql`p.${name} as ${name}`;
    }));
    return sql`(select ${picked} from (select * from ${relation}${sampled} limit 1) as f cross join (select * from ${relation}${sampled} limit ${sql.raw(String(limit))}) as p) as ${sql.identifier(alias)}`;
  });
  const from = froms.length === 0 ? sql`` : sql` from ${joinSql(froms, sql` cross join `)}`;
  // An aggregate over one probe row at a time: grouped by every column read, so each group holds probe rows of one value.
  const groups = [...byAlias].flatMap(([alias, columns]) => [...columns].map((column) => sql`${sql.identifier(alias)}.${sql.identifier(column)}`));
  const group = grouped && groups.length > 0 ? sql` group by ${joinSql(groups)}` : sql``;
  return sql`select pg_catalog.count(distinct (v.v)::pg_catalog.text) as n from (select (${sql.raw(text)}) as v${from}${group}) as v`;
}

/** One relation a value reads, as column_parity's probe rebuilds its rows under the alias the value names it by. */
export interface ProbeRelation {
  alias: string;
  relation: TableRef;
  /** The columns fed from pools (a stored generated column's inputs in place of it). */
  inputs: readonly string[];
  /** Stored generated columns the value reads, each computed from the inputs by its generation expression. */
  generated: readonly { column: string; expression: string }[];
  /** The check's filter over this relation (its inputs include what it reads): rows read and stand-in rows both meet it. */
  scope?: string | undefined;
  /**
   * Inputs only the filter reads: taken as one row in scope holds them, NULL included (a filter
   * `duplicate_of is null` meets no stand-in row whose duplicate_of is fed a value), never varied.
   */
  scopeOnly?: ReadonlySet<string> | undefined;
}

/** Rows of a relation that meet its scope, when it has one. */
export function scopedSql(relation: TableRef, scope: string | undefined): SQL {
  return scope === undefined ? tableSql(relation) : sql`${tableSql(relation)} where (${sql.raw(scope)})`;
}

/** The FROM of a probe over stand-in rows, with each relation's scope over its stand-in rows. */
function fromSql(relations: readonly ProbeRelation[], froms: readonly SQL[]): SQL {
  const from = froms.length === 0 ? sql`` : sql` from ${joinSql([...froms], sql` cross join `)}`;
  const scopes = relations.flatMap((relation) => (relation.scope === undefined ? [] : [sql`(${sql.raw(relation.scope)})`]));
  return scopes.length === 0 ? from : sql`${from} where ${joinSql(scopes, sql` and `)}`;
}

/** A relation's probe rows under its alias: `rows` (of its inputs), its generated columns computed over them. */
function relationFrom(relation: ProbeRelation, rows: SQL): SQL {
  if (relation.generated.length === 0) return sql`(${rows}) as ${sql.identifier(relation.alias)}`;
  const computed = relation.generated.map((g) => sql`(${sql.raw(g.expression)}) as ${sql.identifier(g.column)}`);
  return sql`(select w.*, ${joinSql(computed)} from (${rows}) as w) as ${sql.identifier(relation.alias)}`;
}

/**
 * The statement reading `text`'s distinct non-NULL results (`r`, at most two) over each relation's
 * first rows whose inputs are all non-NULL (a value that tells only nullness takes one value there).
 */
export function planRowsProbe(text: string, relations: readonly ProbeRelation[]): SQL | undefined {
  const limit = PROBE_ROWS[relations.length - 1] ?? (relations.length === 0 ? 1 : undefined);
  if (limit === undefined) return undefined;
  const froms = relations.map((relation) => {
    if (relation.inputs.length === 0) return relationFrom(relation, sql`select`);
    const columns = joinSql(relation.inputs.map((column) => sql`${sql.identifier(column)}`));
    const valueInputs = relation.inputs.filter((column) => !relation.scopeOnly?.has(column));
    const present = valueInputs.length === 0 ? sql`true` : joinSql(valueInputs.map((column) => sql`f.${sql.identifier(column)} is not null`), sql` and `);
    return relationFrom(relation, sql`select f.* from (select ${columns} from ${scopedSql(relation.relation, relation.scope)} limit ${sql.raw(String(limit))}) as f where ${present}`);
  });
  const from = fromSql(relations, froms);
  // The value is selected first and converted outside (an untyped literal is text there, not
  // `unknown`); as jsonb a float's -0 and 0 are one value.
  return sql`select v.r from (select distinct pg_catalog.to_jsonb(q.x)::pg_catalog.text as r from (select (${sql.raw(text)}) as x${from}) as q) as v where v.r is not null limit 2`;
}

/** A pool: non-NULL values of one type, as `select … as v` branches (the first one typing the rest). */
export function poolSql(branches: readonly SQL[]): SQL {
  return sql`select p.v from (${joinSql(branches.map((branch) => sql`(${branch})`), sql` union all `)}) as p where p.v is not null`;
}

/**
 * The statement reading `text`'s distinct results (`r`, NULL included) with the varied input's
 * value (`i`), the input `varied` (a relation's alias and column) taking every value of its pool and
 * every other input held at its own pool's first value.
 */
export function planVariedProbe(text: string, relations: readonly ProbeRelation[], varied: { alias: string; column: string }, pools: (alias: string, column: string) => SQL): SQL {
  const held = (alias: string, column: string) => sql`(select h.v from (${pools(alias, column)}) as h limit 1)`;
  const froms = relations.map((relation) => {
    const outputs = relation.inputs.map((column) => (relation.alias === varied.alias && column === varied.column
      ? sql`p.v as ${sql.identifier(column)}`
      : sql`${held(relation.alias, column)} as ${sql.identifier(column)}`));
    const body = outputs.length === 0 ? sql`select` : sql`select ${joinSql(outputs)}`;
    return relationFrom(relation, relation.alias === varied.alias ? sql`${body} from (${pools(relation.alias, varied.column)}) as p` : body);
  });
  const input = sql`${sql.identifier(varied.alias)}.${sql.identifier(varied.column)}`;
  const from = fromSql(relations, froms);
  return sql`select distinct pg_catalog.to_jsonb(q.x)::pg_catalog.text as r, pg_catalog.to_jsonb(q.i)::pg_catalog.text as i from (select (${sql.raw(text)}) as x, ${input} as i${from}) as q`;
}
