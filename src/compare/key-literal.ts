/**
 * Key lists bound as ONE parameter: a Postgres array literal sent untyped, so the server types it
 * from context (`id = any($1)` makes it int[], uuid[], …) and the planner still uses the index.
 * One parameter keeps statements the same size whatever the batch, and works on both drivers.
 */
import { joinSql, sql, type SQL } from '../sql/build.js';
import { arrayLiteralText } from '../sql/array-literal.js';

/** A bound parameter holding the values as an untyped array literal. */
export function keyArrayLiteral(values: readonly string[]): SQL {
  return sql`${arrayLiteralText(values)}`;
}

/** Stable map key for a (possibly composite) key given as text parts. */
export function keyId(parts: readonly string[]): string {
  return parts.length === 1 ? parts[0]! : JSON.stringify(parts);
}

/**
 * Rows whose key (given as the text of each column, as samples record it) is one of `keys`:
 * `col = any($array)` per column, typed by the server from the column so the index is used, and
 * the exact tuple of texts, so a composite key never matches a mix of two sampled keys.
 */
export function keysInSql(columns: readonly string[], keys: readonly string[][]): SQL {
  if (keys.length === 0) return sql`false`;
  const perColumn = columns.map((c, i) => sql`${sql.identifier(c)} = any(${keyArrayLiteral(keys.map((k) => k[i]!))})`);
  const texts = joinSql(columns.map((c) => sql`(${sql.identifier(c)})::text`));
  const tuples = joinSql(keys.map((k) => sql`(${joinSql(k.map((part) => sql`${part}::text`))})`));
  return sql`(${joinSql(perColumn, sql` and `)} and (${texts}) in (${tuples}))`;
}
