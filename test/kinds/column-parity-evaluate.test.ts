/**
 * evaluateColumnParity without a database: both forms, the thresholds, and keys missing on one
 * side of the join counted as differences (and required, never assumed zero).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnParitySchema, evaluateColumnParity, type ColumnParitySpec } from '../../src/kinds/column-parity.js';

const sameTable = (extra: Record<string, unknown> = {}): ColumnParitySpec => columnParitySchema.parse({
  id: 'users-names', kind: 'column_parity', source: 'app', table: 'public.users', key: ['id'],
  old: 'full_name', new: "first_name || ' ' || last_name", ...extra,
});

const joined = (extra: Record<string, unknown> = {}): ColumnParitySpec => columnParitySchema.parse({
  id: 'users-emails', kind: 'column_parity', source: 'app', key: ['id'],
  old: { table: 'public.users_legacy', expr: 'email' }, new: { table: 'public.users', expr: 'lower(email)' }, ...extra,
});

/** Each side's own rows in a full join: every key except those missing on that side. */
function withSides<C extends { rows: number; missing_in_old: number; missing_in_new: number }>(c: C) {
  return { ...c, old_rows: c.rows - c.missing_in_old, new_rows: c.rows - c.missing_in_new };
}

/** Join-form counts: every mismatching or missing key is among the rows of the full join. */
const joinCounts = fc.integer({ min: 1, max: 1_000_000 }).chain((rows) =>
  fc.tuple(fc.integer({ min: 0, max: rows }), fc.integer({ min: 0, max: rows }), fc.integer({ min: 0, max: rows }))
    .filter(([a, b, c]) => a + b + c <= rows)
    .map(([mismatches, missingInOld, missingInNew]) => withSides({ rows, mismatches, missing_in_old: missingInOld, missing_in_new: missingInNew })));

const sameCounts = fc.integer({ min: 1, max: 1_000_000 }).chain((rows) => fc.integer({ min: 0, max: rows }).map((mismatches) => ({ rows, mismatches })));

const differing = (c: { mismatches: number; missing_in_old: number; missing_in_new: number }) => c.mismatches + c.missing_in_old + c.missing_in_new;

describe('evaluateColumnParity', () => {
  it('allows no mismatches by default (same-table form)', () => {
    fc.assert(fc.property(sameCounts, (counts) => {
      expect(evaluateColumnParity(sameTable(), counts).status).toBe(counts.mismatches === 0 ? 'pass' : 'fail');
    }));
  });

  it('counts keys missing on either side of the join as differences', () => {
    fc.assert(fc.property(joinCounts, (counts) => {
      const outcome = evaluateColumnParity(joined(), counts);
      expect(outcome.status).toBe(differing(counts) === 0 ? 'pass' : 'fail');
      expect(outcome.observations.mismatches).toBe(differing(counts));
    }));
    const onlyMissing = withSides({ rows: 10, mismatches: 0, missing_in_old: 0, missing_in_new: 1 });
    expect(evaluateColumnParity(joined(), onlyMissing).status).toBe('fail');
    expect(evaluateColumnParity(joined(), withSides({ ...onlyMissing, missing_in_new: 0, missing_in_old: 1 })).status).toBe('fail');
  });

  it('passes exactly when the differences are within max_mismatches', () => {
    fc.assert(fc.property(joinCounts, fc.integer({ min: 0, max: 100 }), (counts, max) => {
      // At or above the larger side's rows every row could be wrong (each kept key changed, the
      // surplus missing) and still pass: could not verify.
      const expected = max >= Math.max(counts.old_rows, counts.new_rows) ? 'error' : differing(counts) <= max ? 'pass' : 'fail';
      expect(evaluateColumnParity(joined({ max_mismatches: max }), counts).status).toBe(expected);
    }));
    expect(evaluateColumnParity(sameTable({ max_mismatches: 2 }), { rows: 9, mismatches: 2 }).status).toBe('pass');
    expect(evaluateColumnParity(sameTable({ max_mismatches: 2 }), { rows: 9, mismatches: 3 }).status).toBe('fail');
  });

  it('passes exactly when the share of differing rows is within max_mismatch_ratio', () => {
    fc.assert(fc.property(joinCounts, fc.double({ min: 0, max: 0.999_999, noNaN: true }), (counts, ratio) => {
      const outcome = evaluateColumnParity(joined({ max_mismatch_ratio: ratio }), counts);
      expect(outcome.status).toBe(differing(counts) / counts.rows <= ratio ? 'pass' : 'fail');
      expect(outcome.observations.mismatch_ratio).toBe(differing(counts) / counts.rows);
    }));
    expect(evaluateColumnParity(sameTable({ max_mismatch_ratio: 0.01 }), { rows: 1000, mismatches: 10 }).status).toBe('pass');
    expect(evaluateColumnParity(sameTable({ max_mismatch_ratio: 0.01 }), { rows: 1000, mismatches: 11 }).status).toBe('fail');
  });

  it('ignores missing-key counts in the same-table form, which cannot miss keys', () => {
    const outcome = evaluateColumnParity(sameTable(), { rows: 5, mismatches: 0, missing_in_old: 3, missing_in_new: 3 });
    expect(outcome.status).toBe('pass');
    expect(outcome.observations).toEqual({ rows: 5, rows_scanned: 5, mismatches: 0, value_mismatches: 0, mismatch_ratio: 0 });
  });

  it('reports value mismatches and missing keys apart, and the tables compared', () => {
    const outcome = evaluateColumnParity(joined(), withSides({ rows: 2_000, mismatches: 3, missing_in_old: 1, missing_in_new: 2 }));
    expect(outcome.summary).toBe('public.users_legacy ⟷ public.users: 3 mismatching, 2 missing in new, 1 missing in old of 2,000 rows compared');
    expect(outcome.observations).toEqual({
      rows: 2_000, rows_scanned: 2_000, mismatches: 6, value_mismatches: 3, missing_in_old: 1, missing_in_new: 2, mismatch_ratio: 0.003,
      old_rows: 1_999, new_rows: 1_998,
    });
    expect(outcome.samples).toEqual([]);
    expect(evaluateColumnParity(sameTable(), { rows: 1_000, mismatches: 1 }).summary).toBe('public.users: 1 mismatching of 1,000 rows compared');
  });

  it('refuses to judge when a count is missing, instead of reading it as zero', () => {
    const full = { rows: 10, mismatches: 0, missing_in_old: 0, missing_in_new: 0 };
    for (const name of Object.keys(full)) {
      const partial: Record<string, number> = { ...full };
      delete partial[name];
      expect(() => evaluateColumnParity(joined(), partial), name).toThrow(`count "${name}" missing`);
    }
    expect(() => evaluateColumnParity(sameTable(), { rows: 10 })).toThrow('count "mismatches" missing');
    expect(() => evaluateColumnParity(sameTable(), { mismatches: 0 })).toThrow('count "rows" missing');
  });
});

describe('column_parity thresholds', () => {
  it('refuses a max_mismatch_ratio that accepts anything (1 or more) or is negative', () => {
    const raw = (ratio: number) => ({
      id: 'users-emails', kind: 'column_parity', source: 'app', key: ['id'], max_mismatch_ratio: ratio,
      old: { table: 'public.users_legacy', expr: 'email' }, new: { table: 'public.users', expr: 'lower(email)' },
    });
    for (const ratio of [1, 1.5, -0.1]) expect(columnParitySchema.safeParse(raw(ratio)).success, String(ratio)).toBe(false);
    expect(columnParitySchema.safeParse(raw(0.999)).success).toBe(true);
  });
});
