/**
 * Comparing two records (one row or JSON object per key, from the old and the new read path)
 * field by field. Pure; the rules for single values live in values.ts.
 */
import type { Normalizer } from './normalizers.js';
import { fieldsEqual, toleranceOf, type Decimal } from './values.js';

/** How a pair of records is compared (compiled once per check from `compare:`). */
export interface RecordComparison {
  /** Fields never compared: the key (it matched by construction) and `compare.ignore`. */
  skip: ReadonlySet<string>;
  normalize: Readonly<Record<string, readonly Normalizer[]>>;
  tolerance?: Decimal | undefined;
}

/** Compiles the `compare:` section of a check. */
export function recordComparison(options: {
  keyFields: readonly string[];
  ignore?: readonly string[] | undefined;
  normalize?: Record<string, readonly Normalizer[]> | undefined;
  numericTolerance?: number | undefined;
}): RecordComparison {
  return {
    skip: new Set([...options.keyFields, ...(options.ignore ?? [])]),
    normalize: options.normalize ?? {},
    tolerance: toleranceOf(options.numericTolerance),
  };
}

export type RecordObject = Record<string, unknown>;

/** Names of the fields whose values differ (absent counts as NULL), sorted. */
export function differingFields(a: RecordObject, b: RecordObject, comparison: RecordComparison): string[] {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const field of fields) {
    if (comparison.skip.has(field)) continue;
    const normalizers = Object.prototype.hasOwnProperty.call(comparison.normalize, field) ? comparison.normalize[field]! : [];
    const left = Object.prototype.hasOwnProperty.call(a, field) ? a[field] : undefined;
    const right = Object.prototype.hasOwnProperty.call(b, field) ? b[field] : undefined;
    if (!fieldsEqual(left, right, normalizers, comparison.tolerance)) out.push(field);
  }
  return out.sort();
}

/** What one side returned for a key: nothing, one record, or (a fault of the read path) several. */
export type ReadResult = { kind: 'missing' } | { kind: 'row'; row: RecordObject } | { kind: 'duplicate'; rows: number };

/** Pseudo-field naming a whole-row difference (missing on one side, or several rows for one key). */
export const ROW_FIELD = '(row)';

/** Differences between what the two paths returned for one key; ['(row)'] when presence differs. */
export function compareReads(a: ReadResult, b: ReadResult, comparison: RecordComparison): string[] {
  if (a.kind === 'row' && b.kind === 'row') return differingFields(a.row, b.row, comparison);
  if (a.kind === 'missing' && b.kind === 'missing') return [];
  return [ROW_FIELD];
}
