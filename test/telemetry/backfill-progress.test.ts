import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendBackfillSample, backfillFromResults, backfillProgress, backfillSample, BACKFILL_SAMPLES_KEPT, type BackfillSample } from '../../src/telemetry/backfill-progress.js';
import { applyResult, type CheckState, type ResultFacts } from '../../src/telemetry/check-state.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const result = (minutes: number, remaining: number, over: Partial<ResultFacts> = {}): ResultFacts => ({
  resultId: `r${minutes}`, kind: 'null_check', status: remaining === 0 ? 'pass' : 'fail', definitionHash: 'h1',
  startedAt: at(minutes), finishedAt: at(minutes), observations: { rows: 1_000, rows_with_nulls: remaining }, ...over,
});
const history = (points: [number, number][]): BackfillSample[] => points.map(([m, remaining]) => ({ at: at(m), remaining, inScope: 1_000, definitionHash: 'h1' }));

describe('backfill progress from null_check history', () => {
  it('measures the rate over at least 15 minutes: 600 → 300 rows left in 15 min is 20 rows/min, 15 min to go', () => {
    const progress = backfillProgress(history([[0, 600], [5, 500], [10, 400], [15, 300]]));
    expect(progress).toEqual({ remaining: 300, inScope: 1_000, progressRatio: 0.7, rowsPerMinute: 20, etaSeconds: 900, at: at(15), since: at(0) });
  });

  it('takes the newest result at least 15 minutes older as the reference, not the oldest', () => {
    expect(backfillProgress(history([[0, 900], [40, 600], [45, 500], [60, 400]]))).toMatchObject({ since: at(45), rowsPerMinute: 100 / 15 });
  });

  it('with a short history, compares with the oldest result; with one result, has no rate', () => {
    expect(backfillProgress(history([[0, 500], [5, 400]]))).toMatchObject({ rowsPerMinute: 20, since: at(0) });
    expect(backfillProgress(history([[0, 500]]))).toMatchObject({ remaining: 500, progressRatio: 0.5, rowsPerMinute: null, etaSeconds: null, since: null });
    expect(backfillProgress([])).toBeUndefined();
  });

  it('a stalled backfill has rate 0 and no time left; a growing remainder has a negative rate', () => {
    expect(backfillProgress(history([[0, 300], [20, 300]]))).toMatchObject({ rowsPerMinute: 0, etaSeconds: null });
    expect(backfillProgress(history([[0, 300], [20, 400]]))).toMatchObject({ rowsPerMinute: -5, etaSeconds: null });
  });

  it('a finished backfill is done: ratio 1, nothing left', () => {
    expect(backfillProgress(history([[0, 300], [20, 0]]))).toMatchObject({ remaining: 0, progressRatio: 1, etaSeconds: 0 });
    expect(backfillProgress([{ at: at(0), remaining: 0, inScope: 0, definitionHash: 'h' }])).toMatchObject({ progressRatio: 1, etaSeconds: 0 });
  });

  it('only a null_check that verified is a sample: errors and other kinds say nothing about the backfill', () => {
    expect(backfillSample(result(0, 10))).toEqual({ at: at(0), remaining: 10, inScope: 1_000, definitionHash: 'h1' });
    expect(backfillSample(result(0, 10, { status: 'error' }))).toBeUndefined();
    expect(backfillSample(result(0, 10, { kind: 'column_parity' }))).toBeUndefined();
    expect(backfillSample(result(0, 10, { observations: { rows: 5 } }))).toBeUndefined();
  });

  it('a changed definition starts the history over (it measures another scope)', () => {
    let h = appendBackfillSample([], { at: at(0), remaining: 900, inScope: 1_000, definitionHash: 'h1' });
    h = appendBackfillSample(h, { at: at(20), remaining: 100, inScope: 200, definitionHash: 'h2' });
    expect(backfillProgress(h)).toMatchObject({ remaining: 100, rowsPerMinute: null });
  });

  it('the state the gauges read folds the same history the status page reads from the store', () => {
    const results = [result(0, 600), result(7, 550, { status: 'error', observations: {} }), result(10, 400), result(20, 200)];
    let state: CheckState | undefined;
    for (const r of results) state = applyResult(state, r);
    expect(backfillProgress(state!.backfill)).toEqual(backfillFromResults([...results].reverse()));
    expect(backfillProgress(state!.backfill)).toMatchObject({ remaining: 200, rowsPerMinute: 20, etaSeconds: 600 });
  });

  it('keeps a bounded history, oldest first, whatever arrives', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.nat(1_000)), { maxLength: 300 }), (points) => {
      let h: BackfillSample[] = [];
      for (const [m, remaining] of points) h = appendBackfillSample(h, { at: at(m), remaining, inScope: 1_000, definitionHash: 'h1' });
      expect(h.length).toBeLessThanOrEqual(BACKFILL_SAMPLES_KEPT);
      for (let i = 1; i < h.length; i++) expect(h[i]!.at.getTime()).toBeGreaterThanOrEqual(h[i - 1]!.at.getTime());
      const p = backfillProgress(h);
      if (p) {
        expect(p.progressRatio).toBeGreaterThanOrEqual(0);
        expect(p.progressRatio).toBeLessThanOrEqual(1);
        if (p.etaSeconds !== null && p.remaining > 0) expect(p.rowsPerMinute).toBeGreaterThan(0);
      }
    }));
  });
});
