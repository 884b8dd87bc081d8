/** Numbers in summaries, written the way people read them (99,999 rather than 99999). */
export function formatCount(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : String(value);
}
