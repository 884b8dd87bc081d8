/**
 * Comparing two records (one row or JSON object per key, from the old and the new read path)
 * field by field. Pure; the rules for single values live in values.ts.
 */
import { parseJsonLossless } from '../../compare/json-lossless.js';
import { differingMembers } from '../../compare/json-lockstep.js';
import type { Normalizer } from '../../compare/normalizers.js';
import { fieldsEqual, toleranceOf, type AbsentAsNull, type Decimal } from '../../compare/values.js';

/** How a pair of records is compared (compiled once per check from `compare:`). */
export interface RecordComparison {
  /** Fields never compared: `compare.ignore`. */
  skip: ReadonlySet<string>;
  /**
   * Key columns not ignored, with which side proved its top-level member is the requested key
   * (SQL: always; HTTP: when key_field is that member). Two records that both hold the member
   * have it compared: a proof by key text is not the value a client reads (`7` and `"7"`, a
   * char(n) key with and without its padding). A member one side lacks is compared only when the
   * side holding it did not prove it (an HTTP path whose key_field points elsewhere).
   */
  keyMembers: ReadonlyMap<string, { left: boolean; right: boolean }>;
  /** Key columns both sides proved: compared, but on their own no sign that any data was compared. */
  provenKeys: ReadonlySet<string>;
  normalize: Readonly<Record<string, readonly Normalizer[]>>;
  tolerance?: Decimal | undefined;
  /** `compare.treat_absent_as_null`: strict ('never') unless the check file says otherwise. */
  absentAsNull: AbsentAsNull;
}

/**
 * Compiles the `compare:` section of a check. `proven` names the key columns each side (left,
 * right) proved at the top-level member of that name; by default both proved every one.
 */
export function recordComparison(options: {
  keyFields: readonly string[];
  proven?: { left: readonly string[]; right: readonly string[] } | undefined;
  ignore?: readonly string[] | undefined;
  normalize?: Record<string, readonly Normalizer[]> | undefined;
  numericTolerance?: number | undefined;
  treatAbsentAsNull?: AbsentAsNull | undefined;
}): RecordComparison {
  const proven = options.proven ?? { left: options.keyFields, right: options.keyFields };
  const keyMembers = new Map<string, { left: boolean; right: boolean }>();
  const skip = new Set(options.ignore ?? []);
  const provenKeys = new Set<string>();
  for (const field of options.keyFields) {
    if (skip.has(field)) continue;
    const sides = { left: proven.left.includes(field), right: proven.right.includes(field) };
    keyMembers.set(field, sides);
    if (sides.left && sides.right) provenKeys.add(field);
  }
  return {
    skip,
    keyMembers,
    provenKeys,
    normalize: options.normalize ?? {},
    tolerance: toleranceOf(options.numericTolerance),
    absentAsNull: options.treatAbsentAsNull ?? 'never',
  };
}

export type RecordObject = Record<string, unknown>;

const hasOwn = (record: object, field: string) => Object.prototype.hasOwnProperty.call(record, field);
const NO_NORMALIZERS: readonly Normalizer[] = [];

function fieldDiffers(field: string, a: RecordObject, b: RecordObject, comparison: RecordComparison): boolean {
  if (comparison.skip.has(field)) return false;
  return valueDiffers(comparison, field, hasOwn(a, field) ? a[field] : undefined, hasOwn(b, field) ? b[field] : undefined);
}

function valueDiffers(comparison: RecordComparison, field: string, left: unknown, right: unknown): boolean {
  // Most fields of most rows are the same text, NULL or boolean on both sides: equal under any rule.
  if (left === right && (left === undefined || left === null || typeof left === 'string' || typeof left === 'boolean')) return false;
  const key = comparison.keyMembers.size === 0 ? undefined : comparison.keyMembers.get(field);
  // Absent on one side and proven by the other: not compared. Held by both, or unproven: data.
  if (key && (left === undefined ? key.right : right === undefined && key.left)) return false;
  const normalizers = hasOwn(comparison.normalize, field) ? comparison.normalize[field]! : NO_NORMALIZERS;
  return !fieldsEqual(left, right, normalizers, comparison.tolerance, comparison.absentAsNull);
}

/** Names of the fields whose values differ (absent differs from NULL unless the comparison says otherwise), sorted. */
export function differingFields(a: RecordObject, b: RecordObject, comparison: RecordComparison): string[] {
  // Every field of a, then the fields only b has: each field once, without building a set.
  const out: string[] = [];
  for (const field of Object.keys(a)) if (fieldDiffers(field, a, b, comparison)) out.push(field);
  for (const field of Object.keys(b)) if (!hasOwn(a, field) && fieldDiffers(field, a, b, comparison)) out.push(field);
  return out.sort();
}

/** What one side returned for a key: nothing, one record, or (a fault of the read path) several. */
export type ReadResult = { kind: 'missing' } | { readonly kind: 'row'; readonly row: RecordObject; readonly text?: string } | { kind: 'duplicate'; rows: number };

/**
 * A record read as JSON text (SQL read paths). Two of them are compared on their text, and a row
 * is parsed only when that cannot settle it or when it is shown (samples): building every row
 * was most of the cost of a shadow read.
 */
export class JsonTextRow {
  readonly kind = 'row';
  #row: RecordObject | undefined;
  constructor(readonly text: string) {}
  /** The record, parsed on first use (throws SyntaxError on malformed text). */
  get row(): RecordObject {
    return (this.#row ??= parseJsonLossless(this.text) as RecordObject);
  }
  /** Serialises as the plain read result it stands for. */
  toJSON(): unknown {
    return { kind: this.kind, row: this.row };
  }
}

/** Pseudo-field naming a whole-row difference (missing on one side, or several rows for one key). */
export const ROW_FIELD = '(row)';

/** Differences between what the two paths returned for one key; ['(row)'] when presence differs. */
export function compareReads(a: ReadResult, b: ReadResult, comparison: RecordComparison): string[] {
  if (a.kind === 'row' && b.kind === 'row') {
    const fields = a.text !== undefined && b.text !== undefined ? differingMembers(a.text, b.text, comparison.skip, valueDiffers, comparison) : undefined;
    return fields ? fields.sort() : differingFields(a.row, b.row, comparison);
  }
  if (a.kind === 'missing' && b.kind === 'missing') return [];
  return [ROW_FIELD];
}
