import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/progress-line.js';
import { progressFigures } from '../../src/runner/progress-rate.js';

const start = new Date('2026-01-01T00:00:00Z');
const after = (s: number) => new Date(start.getTime() + s * 1000);
const event = (rowsScanned: number, rowsEstimated?: number, seconds = 4) => {
  const figures = progressFigures({ rowsDone: rowsScanned, rowsEstimated, startedAt: start, now: after(seconds) });
  return { runId: 'r', checkId: 'users-name-parity', rowsScanned, rowsEstimated, at: after(seconds), startedAt: start, rowsPerSecond: figures.rowsPerSecond, etaSeconds: figures.etaSeconds };
};

describe('progressLine', () => {
  it('shows a bar, the percentage, the counts, the rate and the time left when the total is estimated', () => {
    expect(progressLine(event(45_000, 100_000), { width: 120 }))
      .toBe('users-name-parity  [#########-----------]   45%  45,000 / 100,000 rows  11.3k rows/s  ~5s left');
  });

  it('shows rows scanned and the rate, but no time left, when there is no estimate', () => {
    expect(progressLine(event(1234), { width: 120 })).toBe('users-name-parity  1,234 rows scanned  309 rows/s');
  });

  it('shows no time left once the estimate is passed (the estimate was low)', () => {
    expect(progressLine(event(130_000, 100_000), { width: 120 })).not.toContain('left');
  });

  it('caps at 99% while running, because reltuples is only an estimate', () => {
    expect(progressLine(event(130_000, 100_000), { width: 120 })).toContain(' 99%');
  });

  it('shows elapsed time before the first rows arrive', () => {
    expect(progressLine(event(0, 100, 75), { width: 120 })).toMatch(/1m15s$/);
  });

  it('never exceeds the terminal width and never breaks the line', () => {
    fc.assert(fc.property(
      fc.nat(), fc.option(fc.nat()), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 300 }), fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,127}$/),
      (scanned, estimated, seconds, width, checkId) => {
        const line = progressLine({ ...event(scanned, estimated ?? undefined, seconds), checkId }, { width });
        expect(line.length).toBeLessThanOrEqual(Math.max(10, width));
        expect(line).not.toMatch(/[\r\n]/);
      },
    ));
  });
});
