import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyResult, factsFromRecord, stateFromHistory, type ResultFacts } from '../../src/telemetry/check-state.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1) + s * 1000);

function result(i: number, status: string, observations: Record<string, unknown> = {}): ResultFacts {
  return { resultId: `r${i}`, kind: 'column_parity', status, definitionHash: 'h1', startedAt: at(i * 60 - 5), finishedAt: at(i * 60), observations };
}

const statuses = fc.array(fc.constantFrom('pass', 'fail', 'error'), { minLength: 1, maxLength: 40 });
const history = statuses.map((list) => list.map((status, i) => result(i, status, status === 'error' ? {} : { mismatches: status === 'pass' ? 0 : i + 1 })));

describe('check state', () => {
  it('is the same whether results are folded one by one or rebuilt from the newest-first history', () => {
    fc.assert(fc.property(history, (results) => {
      let folded;
      for (const r of results) folded = applyResult(folded, r);
      expect(stateFromHistory([...results].reverse())).toEqual(folded);
    }));
  });

  it('counts the trailing errors, and only those', () => {
    fc.assert(fc.property(history, (results) => {
      const state = stateFromHistory([...results].reverse())!;
      let streak = 0;
      for (let i = results.length - 1; i >= 0 && results[i]!.status === 'error'; i--) streak++;
      expect(state.consecutiveErrors).toBe(streak);
    }));
  });

  it('remembers the newest pass and the newest verification (pass or fail), never an error', () => {
    fc.assert(fc.property(history, (results) => {
      const state = stateFromHistory([...results].reverse())!;
      const newest = (pred: (r: ResultFacts) => boolean) => [...results].reverse().find(pred)?.finishedAt;
      expect(state.lastSuccessAt).toEqual(newest((r) => r.status === 'pass'));
      expect(state.lastVerifiedAt).toEqual(newest((r) => r.status !== 'error'));
    }));
  });

  it('keeps the last known findings through an error instead of reporting a fake zero', () => {
    let state = applyResult(undefined, result(1, 'fail', { mismatches: 4, mismatch_ratio: 0.02, missing_in_new: 1 }));
    state = applyResult(state, result(2, 'error'));
    expect(state).toMatchObject({ mismatches: 4, mismatchRatio: 0.02, differences: { missing_in_new: 1 }, consecutiveErrors: 1 });
    expect(state.latest.status).toBe('error');
  });

  it('reads table-diff differences by type and the shadow-read upper bound', () => {
    const diff = applyResult(undefined, result(1, 'fail', { missing_in_new: 2, missing_in_old: 0, changed: 5, other: 9 }));
    expect(diff.differences).toEqual({ missing_in_new: 2, missing_in_old: 0, changed: 5 });
    expect(applyResult(undefined, result(1, 'pass', { mismatch_rate_upper_bound: 0.003 })).mismatchRateUpperBound).toBe(0.003);
    expect(applyResult(undefined, result(1, 'pass', { mismatch_rate_upper_bound: 'high' })).mismatchRateUpperBound).toBeUndefined();
  });

  it('reports the window coverage of an unused check while it is still observing (an error)', () => {
    let state = applyResult(undefined, result(1, 'error', { coverage_ratio: 0.125 }));
    expect(state.windowCoverage).toBe(0.125);
    state = applyResult(state, result(2, 'pass', { coverage_ratio: 1 }));
    expect(state.windowCoverage).toBe(1);
  });

  it('follows an incremental check\'s chain, and counts a result without one (an error) as breaking it', () => {
    const chain = (passes: number, unbroken = true) => ({ coverage: { full_pass_at: at(0).toISOString(), incremental_passes: passes, unbroken, last_at: at(passes).toISOString() } });
    let state = applyResult(undefined, result(1, 'pass', chain(0)));
    state = applyResult(state, result(2, 'pass', chain(1)));
    expect(state.coverage).toEqual(chain(1).coverage);
    state = applyResult(state, result(3, 'error'));
    expect(state.coverage).toEqual({ ...chain(1).coverage, unbroken: false });
    expect(applyResult(undefined, result(1, 'pass', { coverage: 'full' })).coverage).toBeUndefined();
  });

  it('does not let an older result replace the newest, but still learns its timestamps', () => {
    const newer = applyResult(undefined, result(5, 'fail', { mismatches: 3 }));
    const state = applyResult(newer, result(2, 'pass', { mismatches: 0 }));
    expect(state.latest.resultId).toBe('r5');
    expect(state.mismatches).toBe(3);
    expect(state.lastSuccessAt).toEqual(at(120));
  });

  it('keeps a success older than a truncated history', () => {
    const known = applyResult(undefined, result(1, 'pass'));
    const state = stateFromHistory([result(3, 'error'), result(2, 'error')], known)!;
    expect(state.lastSuccessAt).toEqual(at(60));
    expect(state.consecutiveErrors).toBe(2);
  });

  it('ignores results that are still running', () => {
    const base = { id: 'x', kind: 'row_count', definitionHash: 'h', startedAt: at(0), observations: {}, summary: null };
    expect(factsFromRecord({ ...base, status: 'running', finishedAt: null })).toBeUndefined();
    expect(factsFromRecord({ ...base, status: 'pass', finishedAt: at(1) })).toMatchObject({ resultId: 'x', status: 'pass' });
  });
});
