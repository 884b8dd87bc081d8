/**
 * evaluateRowCount without a database: the tolerance boundaries, the direction in the summary and
 * the observations, for any pair of counts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRowCount, rowCountSchema, type RowCountSpec } from '../../src/kinds/row-count.js';

const specWith = (tolerance?: unknown): RowCountSpec => rowCountSchema.parse({
  id: 'users-row-count',
  kind: 'row_count',
  old: { source: 'app', table: 'public.users_legacy' },
  new: { source: 'app', table: 'public.users' },
  ...(tolerance === undefined ? {} : { tolerance }),
});

const count = fc.integer({ min: 1, max: 10_000_000 });

describe('evaluateRowCount', () => {
  it('passes only on equal counts when no tolerance is given', () => {
    // Small deltas, so equal counts come up as often as unequal ones.
    fc.assert(fc.property(count, fc.integer({ min: -2, max: 2 }), (oldRows, delta) => {
      // An empty side (min_rows 1 by default) proves nothing: could not verify.
      const newRows = oldRows + delta;
      expect(evaluateRowCount(specWith(), oldRows, newRows).status).toBe(newRows < 1 ? 'error' : delta === 0 ? 'pass' : 'fail');
    }));
  });

  it('passes exactly when the absolute difference is within the absolute tolerance', () => {
    fc.assert(fc.property(count, count, fc.integer({ min: 0, max: 1000 }), (oldRows, newRows, absolute) => {
      const outcome = evaluateRowCount(specWith({ absolute }), oldRows, newRows);
      // A tolerance at or above the old rows lets every old row be missing: could not verify.
      expect(outcome.status).toBe(absolute >= oldRows ? 'error' : Math.abs(newRows - oldRows) <= absolute ? 'pass' : 'fail');
    }));
  });

  it('puts the absolute boundary at the tolerance itself, on both sides', () => {
    const spec = specWith({ absolute: 3 });
    expect(evaluateRowCount(spec, 1000, 997).status).toBe('pass');
    expect(evaluateRowCount(spec, 1000, 1003).status).toBe('pass');
    expect(evaluateRowCount(spec, 1000, 996).status).toBe('fail');
    expect(evaluateRowCount(spec, 1000, 1004).status).toBe('fail');
  });

  it('measures a relative tolerance against old, in both directions', () => {
    fc.assert(fc.property(count, count, fc.double({ min: 0, max: 0.999_999, noNaN: true }), (oldRows, newRows, relative) => {
      const outcome = evaluateRowCount(specWith({ relative }), oldRows, newRows);
      expect(outcome.status).toBe(Math.abs(newRows - oldRows) / oldRows <= relative ? 'pass' : 'fail');
      expect(outcome.observations.mismatch_ratio).toBe(Math.abs(newRows - oldRows) / oldRows);
    }));
    expect(evaluateRowCount(specWith({ relative: 0.003 }), 1000, 997).status).toBe('pass');
    expect(evaluateRowCount(specWith({ relative: 0.002 }), 1000, 997).status).toBe('fail');
  });

  it('treats rows appearing in an empty old table as a 100% difference (once empty is allowed)', () => {
    const allowEmpty = (tolerance: unknown): RowCountSpec => ({ ...specWith(tolerance), min_rows: 0 });
    const outcome = evaluateRowCount(allowEmpty({ relative: 0.5 }), 0, 5);
    expect(outcome.status).toBe('fail');
    expect(outcome.observations.mismatch_ratio).toBe(1);
    expect(evaluateRowCount(allowEmpty({ absolute: 4 }), 0, 5).status).toBe('fail');
    // By default an empty side proves nothing: could not verify, never a pass.
    expect(evaluateRowCount(specWith({ absolute: 4 }), 0, 5).status).toBe('error');
  });

  it('never answers "error" from two non-empty counts: a finding is pass or fail', () => {
    fc.assert(fc.property(count, count, (oldRows, newRows) => {
      expect(['pass', 'fail']).toContain(evaluateRowCount(specWith(), oldRows, newRows).status);
    }));
  });

  it('reports both counts, the signed difference and its magnitude as mismatches', () => {
    fc.assert(fc.property(count, count, (oldRows, newRows) => {
      const outcome = evaluateRowCount(specWith(), oldRows, newRows);
      expect(outcome.observations).toEqual({
        old_rows: oldRows,
        new_rows: newRows,
        difference: newRows - oldRows,
        rows_scanned: oldRows + newRows,
        mismatches: Math.abs(newRows - oldRows),
        mismatch_ratio: Math.abs(newRows - oldRows) / oldRows,
      });
      expect(outcome.samples).toEqual([]);
    }));
  });

  it('says which table has more rows, by how many, and the tolerance it broke', () => {
    expect(evaluateRowCount(specWith(), 1000, 997).summary)
      .toBe('public.users has 3 fewer rows than public.users_legacy (997 vs 1,000), outside tolerance ±0 rows');
    expect(evaluateRowCount(specWith({ relative: 0.002 }), 1000, 1003).summary)
      .toBe('public.users has 3 more rows than public.users_legacy (1,003 vs 1,000), outside tolerance ±0.2%');
    expect(evaluateRowCount(specWith({ absolute: 5 }), 12_345, 12_340).summary)
      .toBe('public.users has 5 fewer rows than public.users_legacy (12,340 vs 12,345)');
    expect(evaluateRowCount(specWith(), 7, 7).summary)
      .toBe('public.users has the same number of rows as public.users_legacy (7 vs 7)');
  });
});
