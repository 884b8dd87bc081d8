/**
 * evaluateNullCheck without a database: max_nulls / max_null_ratio boundaries, per-column counts,
 * and a missing count refused rather than read as zero.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateNullCheck, nullCheckSchema, type NullCheckSpec } from '../../src/kinds/null-check.js';

const specWith = (extra: Record<string, unknown> = {}): NullCheckSpec => nullCheckSchema.parse({
  id: 'users-backfilled',
  kind: 'null_check',
  source: 'app',
  table: 'public.users',
  columns: ['first_name', 'last_name'],
  ...extra,
});

/** Counts as the scan reports them: rows, rows with any NULL, NULLs per column (each ≤ rows with NULLs). */
const scan = fc.integer({ min: 1, max: 1_000_000 }).chain((rows) => fc.integer({ min: 0, max: rows }).chain((withNulls) =>
  fc.tuple(fc.integer({ min: 0, max: withNulls }), fc.integer({ min: 0, max: withNulls })).map(([a, b]) => ({
    rows, rows_with_nulls: withNulls, nulls_0: a, nulls_1: b,
  }))));

describe('evaluateNullCheck', () => {
  it('allows no NULLs by default', () => {
    fc.assert(fc.property(scan, (counts) => {
      expect(evaluateNullCheck(specWith(), counts).status).toBe(counts.rows_with_nulls === 0 ? 'pass' : 'fail');
    }));
  });

  it('passes exactly when rows with NULLs are within max_nulls', () => {
    fc.assert(fc.property(scan, fc.integer({ min: 0, max: 1000 }), (counts, maxNulls) => {
      // At or above the rows in scope every row could be NULL and still pass: could not verify.
      const expected = maxNulls >= counts.rows ? 'error' : counts.rows_with_nulls <= maxNulls ? 'pass' : 'fail';
      expect(evaluateNullCheck(specWith({ max_nulls: maxNulls }), counts).status).toBe(expected);
    }));
    const counts = { rows: 100, rows_with_nulls: 5, nulls_0: 5, nulls_1: 0 };
    expect(evaluateNullCheck(specWith({ max_nulls: 5 }), counts).status).toBe('pass');
    expect(evaluateNullCheck(specWith({ max_nulls: 4 }), counts).status).toBe('fail');
  });

  it('passes exactly when the share of rows with NULLs is within max_null_ratio', () => {
    fc.assert(fc.property(scan, fc.double({ min: 0, max: 0.999_999, noNaN: true }), (counts, ratio) => {
      const outcome = evaluateNullCheck(specWith({ max_null_ratio: ratio }), counts);
      expect(outcome.status).toBe(counts.rows_with_nulls / counts.rows <= ratio ? 'pass' : 'fail');
      expect(outcome.observations.mismatch_ratio).toBe(counts.rows_with_nulls / counts.rows);
    }));
    const counts = { rows: 1000, rows_with_nulls: 10, nulls_0: 10, nulls_1: 3 };
    expect(evaluateNullCheck(specWith({ max_null_ratio: 0.01 }), counts).status).toBe('pass');
    expect(evaluateNullCheck(specWith({ max_null_ratio: 0.009 }), counts).status).toBe('fail');
  });

  it('counts a row with NULLs in two columns once, and each column separately', () => {
    const outcome = evaluateNullCheck(specWith({ max_nulls: 0 }), { rows: 50, rows_with_nulls: 3, nulls_0: 3, nulls_1: 2 });
    expect(outcome.observations).toEqual({
      rows: 50, rows_with_nulls: 3, nulls_by_column: { first_name: 3, last_name: 2 },
      rows_scanned: 50, mismatches: 3, mismatch_ratio: 0.06,
    });
    expect(outcome.samples).toEqual([]);
  });

  it('names only the columns that hold NULLs, and the limit that was broken', () => {
    expect(evaluateNullCheck(specWith(), { rows: 12_000, rows_with_nulls: 1_500, nulls_0: 0, nulls_1: 1_500 }).summary)
      .toBe('1,500 of 12,000 rows in scope of public.users have NULLs (last_name: 1500); allowed: 0 rows');
    expect(evaluateNullCheck(specWith({ max_null_ratio: 0.1 }), { rows: 10, rows_with_nulls: 2, nulls_0: 2, nulls_1: 1 }).summary)
      .toBe('2 of 10 rows in scope of public.users have NULLs (first_name: 2, last_name: 1); allowed: ratio 0.1');
    expect(evaluateNullCheck(specWith(), { rows: 10, rows_with_nulls: 0, nulls_0: 0, nulls_1: 0 }).summary)
      .toBe('all 10 rows in scope of public.users have first_name, last_name filled');
  });

  it('refuses to judge when any count is missing from the scan, instead of reading it as zero', () => {
    const full = { rows: 10, rows_with_nulls: 0, nulls_0: 0, nulls_1: 0 };
    for (const name of Object.keys(full)) {
      const partial: Record<string, number> = { ...full };
      delete partial[name];
      expect(() => evaluateNullCheck(specWith(), partial), name).toThrow(`count "${name}" missing`);
      // A fault (the runner records it as error, could not verify), never a plain crash or a zero.
      expect(() => evaluateNullCheck(specWith(), partial), name).toThrow(expect.objectContaining({ name: 'Fault', code: 'missing_count' }));
      expect(() => evaluateNullCheck(specWith(), { ...full, [name]: Number.NaN }), name).toThrow(`count "${name}" missing`);
    }
  });
});
