/**
 * Whether a compared value depends on the columns it reads. Lineage says which columns a value is
 * computed from, not whether it uses them: `substr(full_name, 1, 0)` against `substr(first_name,
 * 1, 0)`, `score * 0`, `(x = x)::text`, `md5(x) is not null`, `case when x > 'm' then 'a' else 'a'
 * end`, `id::text || left(x, 0)` (the key's alone) read disjoint columns and agree on every row
 * whatever the new columns hold. The family of such spellings is open, so the server decides: the
 * value's expression, as the plan computes it, is evaluated over rows of the relations it reads
 * (the sampled keys' rows of the shared table) with the key held at one row's (the key is matched
 * on both sides by construction) and every other column it reads taken from up to 40 rows. A value with fewer than two distinct non-NULL
 * results is fixed whatever its inputs, or tells at most whether they are NULL (`md5(x) is not
 * null`, `x * 0`). Over-refuses a value of columns that hold one value in the rows probed.
 *
 * The expression is the server's own deparse of the operator's query (trusted configuration),
 * run in the same read-only transaction any read runs in.
 */
import { readsOfText } from '../lineage/column-lineage.js';
import { keyArrayLiteral } from '../../compare/key-literal.js';
import { joinSql, sql, tableSql, type SQL } from '../../sql/build.js';

/** Rows probed per relation read, by how many relations the value reads (their product is evaluated). */
const PROBE_ROWS = [40, 12, 6];

/**
 * The statement counting the distinct non-NULL values `text` takes over probe rows (`n`), or
 * undefined when it cannot be evaluated apart from its plan (a sub-plan, a parameter, a column of
 * something other than a relation scan, more relations than PROBE_ROWS covers). `grouped`: each
 * probe row its own group, for a value computed by an aggregate over a key's rows.
 */
export function planValueProbe(
  text: string | undefined,
  relations: ReadonlyMap<string, { schema: string; name: string }>,
  heldColumns: (alias: string) => readonly { column: string; values: readonly string[] }[],
  grouped = false,
): SQL | undefined {
  const reads = text === undefined ? undefined : readsOfText(text, false);
  if (text === undefined || reads === undefined || reads.rewritten || reads.subplans.length > 0 || reads.params.length > 0) return undefined;
  const byAlias = new Map<string, Set<string>>();
  // EXPLAIN leaves a column unqualified where the query reads one relation.
  const only = relations.size === 1 ? [...relations.keys()][0] : undefined;
  for (const column of reads.columns) {
    const alias = column.alias ?? only;
    if (alias === undefined || !relations.has(alias)) return undefined;
    byAlias.set(alias, (byAlias.get(alias) ?? new Set()).add(column.column));
  }
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
