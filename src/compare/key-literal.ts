/**
 * Key lists bound as ONE parameter: a Postgres array literal sent untyped, so the server types it
 * from context (`id = any($1)` makes it int[], uuid[], …) and the planner still uses the index.
 * One parameter keeps statements the same size whatever the batch, and works on both drivers.
 */
import { sql, type SQL } from '../sql/build.js';

/** Quotes one element of an array literal (every element quoted: no NULL/whitespace surprises). */
function element(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** The array literal text for the given values, e.g. {"1","2"}. */
export function arrayLiteralText(values: readonly string[]): string {
  return `{${values.map(element).join(',')}}`;
}

/** A bound parameter holding the values as an untyped array literal. */
export function keyArrayLiteral(values: readonly string[]): SQL {
  return sql`${arrayLiteralText(values)}`;
}

/** Stable map key for a (possibly composite) key given as text parts. */
export function keyId(parts: readonly string[]): string {
  return parts.length === 1 ? parts[0]! : JSON.stringify(parts);
}
