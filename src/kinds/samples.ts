/** Turning sampled rows into Sample values, the same way for every kind. */
import type { JsonValue, Sample, SampleCategory } from '../results/outcome.js';

/** Converts a driver value into JSON (dates as ISO text, bigints as strings). */
export function toJsonValue(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJsonValue(v)]));
  }
  return String(value);
}

/** Key columns are selected as `k_<i>` so user column names never collide with ours. */
export function keyAlias(index: number): string {
  return `k_${index}`;
}

/** Builds a sample from a row holding k_0…k_n plus the given fields. */
export function sampleFromRow(
  row: Record<string, unknown>,
  keyColumns: readonly string[],
  category: SampleCategory,
  fields: { old?: unknown; new?: unknown; detail?: Record<string, unknown> } = {},
): Sample {
  const key = Object.fromEntries(keyColumns.map((column, i) => [column, toJsonValue(row[keyAlias(i)])]));
  const sample: Sample = { category, key };
  if ('old' in fields) sample.old = toJsonValue(fields.old);
  if ('new' in fields) sample.new = toJsonValue(fields.new);
  if (fields.detail) sample.detail = toJsonValue(fields.detail) as Record<string, JsonValue>;
  return sample;
}
