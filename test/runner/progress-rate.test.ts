import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { progressFigures } from '../../src/runner/progress-rate.js';
import { fakeClock } from '../support/fake-clock.js';

describe('progress rate and time left', () => {
  it('reads rate and time left off the clock: 40,000 of 100,000 rows in 20 s is 2,000 rows/s and 30 s left', () => {
    const clock = fakeClock('2026-01-01T00:00:00Z', 0);
    const startedAt = clock.now();
    clock.advance(20_000);
    expect(progressFigures({ rowsDone: 40_000, rowsEstimated: 100_000, startedAt, now: clock.now() }))
      .toEqual({ rowsDone: 40_000, rowsEstimated: 100_000, rowsPerSecond: 2_000, etaSeconds: 30, elapsedSeconds: 20 });
  });

  it('has no rate before any time passed or any row was read', () => {
    const clock = fakeClock('2026-01-01T00:00:00Z', 0);
    const startedAt = clock.now();
    expect(progressFigures({ rowsDone: 500, rowsEstimated: 1_000, startedAt, now: clock.now() })).toMatchObject({ rowsPerSecond: null, etaSeconds: null });
    clock.advance(5_000);
    expect(progressFigures({ rowsDone: 0, rowsEstimated: 1_000, startedAt, now: clock.now() })).toMatchObject({ rowsPerSecond: null, etaSeconds: null, elapsedSeconds: 5 });
  });

  it('has a rate but no time left without an estimate, or once the estimate is passed', () => {
    const clock = fakeClock('2026-01-01T00:00:00Z', 0);
    const startedAt = clock.now();
    clock.advance(10_000);
    expect(progressFigures({ rowsDone: 1_000, startedAt, now: clock.now() })).toMatchObject({ rowsEstimated: null, rowsPerSecond: 100, etaSeconds: null });
    expect(progressFigures({ rowsDone: 1_000, rowsEstimated: 0, startedAt, now: clock.now() })).toMatchObject({ rowsEstimated: null, etaSeconds: null });
    expect(progressFigures({ rowsDone: 1_200, rowsEstimated: 1_000, startedAt, now: clock.now() })).toMatchObject({ rowsPerSecond: 120, etaSeconds: null });
  });

  it('a clock that went backwards is no elapsed time, not a negative rate', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(progressFigures({ rowsDone: 10, rowsEstimated: 100, startedAt: new Date(now.getTime() + 1_000), now })).toMatchObject({ elapsedSeconds: 0, rowsPerSecond: null, etaSeconds: null });
  });

  it('at the rate so far, the time left finishes exactly at the estimate', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 ** 9 }), fc.integer({ min: 1, max: 10 ** 9 }), fc.integer({ min: 1, max: 10 ** 8 }), (done, extra, ms) => {
      const startedAt = new Date(0);
      const f = progressFigures({ rowsDone: done, rowsEstimated: done + extra, startedAt, now: new Date(ms) });
      expect(f.rowsPerSecond).toBeGreaterThan(0);
      expect(f.etaSeconds!).toBeGreaterThan(0);
      expect(Math.abs(done + f.rowsPerSecond! * f.etaSeconds! - (done + extra)) / (done + extra)).toBeLessThan(1e-9);
    }));
  });
});
