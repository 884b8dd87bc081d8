import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressLog } from '../../src/cli/progress-display.js';
import { progressSummary } from '../../src/cli/progress-line.js';
import type { LoadedCheck } from '../../src/catalog/catalog.js';
import { fakeClock } from '../support/fake-clock.js';

const check = (id: string) => ({ spec: { id, kind: 'column_parity' } }) as unknown as LoadedCheck;

function log() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { stream, lines };
}

describe('progressSummary', () => {
  it('says how long, how many of how many are done by status, and what is running with its rows', () => {
    const startedAt = new Date('2025-06-01T12:00:00Z');
    const line = progressSummary({
      elapsedMs: 125_000, total: 8, finished: { pass: 2, fail: 1 }, now: new Date('2025-06-01T12:00:20Z'),
      running: [
        { checkId: 'users-name-parity', startedAt, latest: { runId: 'r', checkId: 'users-name-parity', rowsScanned: 45_000, rowsEstimated: 100_000, at: new Date('2025-06-01T12:00:10Z'), startedAt, rowsPerSecond: 4_500, etaSeconds: 12.2 } },
        { checkId: 'orders-count', startedAt },
      ],
    });
    expect(line).toBe('parity: 2m05s · 3 of 8 checks done (2 pass, 1 fail) · running: '
      + 'users-name-parity  [#########-----------]   45%  45,000 / 100,000 rows  4,500 rows/s  ~12s left; orders-count  verifying, 20s');
  });

  it('counts without a total when the checks are not known up front (gate --refresh)', () => {
    expect(progressSummary({ elapsedMs: 30_000, finished: { pass: 1 }, running: [], now: new Date() })).toBe('parity: 30s · 1 check done (1 pass)');
    expect(progressSummary({ elapsedMs: 30_000, total: 3, finished: {}, running: [], now: new Date() })).toBe('parity: 30s · 0 of 3 checks done');
  });
});

describe('progress log (not a terminal)', () => {
  it('writes one plain line per interval, none before the first, and stops when told', () => {
    const clock = fakeClock('2025-06-01T12:00:00.000Z', 0, { timers: 'manual' });
    const { stream, lines } = log();
    const progress = createProgressLog(stream, { intervalMs: 30_000, clock, total: 2 });
    progress.observer.checkStarted?.({ runId: 'r', check: check('a'), resultId: 'x' });
    clock.advance(29_999);
    expect(lines).toEqual([]);
    clock.advance(1);
    expect(lines).toEqual(['parity: 30s · 0 of 2 checks done · running: a  verifying, 30s\n']);
    progress.observer.checkFinished?.({ runId: 'r', check: check('a'), resultId: 'x', result: { status: 'pass' } as never });
    progress.observer.checkStarted?.({ runId: 'r', check: check('b'), resultId: 'y' });
    const at = clock.now();
    progress.observer.progress?.({ runId: 'r', checkId: 'b', rowsScanned: 1_000, at, startedAt: at, rowsPerSecond: null, etaSeconds: null });
    clock.advance(30_000);
    expect(lines[1]).toBe('parity: 1m00s · 1 of 2 checks done (1 pass) · running: b  1,000 rows scanned  0s\n');
    progress.stop();
    clock.advance(120_000);
    expect(lines).toHaveLength(2);
    expect(lines.every((l) => !l.includes('\r') && !l.includes('\x1b'))).toBe(true);
  });
});
