/**
 * A Postgres array literal's text (`{"1","2"}`), every element quoted: values bound as one untyped
 * parameter that the server types from context (compare/key-literal.ts binds key lists this way).
 * Pure text, so every layer that builds SQL may use it.
 */
const NEEDS_ESCAPE = /["\\]/;

/** Quotes one element of an array literal (every element quoted: no NULL/whitespace surprises). */
function element(text: string): string {
  // Most keys (integers, uuids) hold neither character: skip two scans and copies per key.
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** The array literal text for the given values, e.g. {"1","2"}. */
export function arrayLiteralText(values: readonly string[]): string {
  return `{${values.map(element).join(',')}}`;
}
