import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressDisplay } from '../../src/cli/progress-display.js';
import type { LoadedCheck } from '../../src/catalog/catalog.js';

function terminal() {
  const writes: string[] = [];
  const stream = Object.assign(new Writable({ write(chunk, _enc, done) { writes.push(String(chunk)); done(); } }), { columns: 60 });
  return { stream, writes };
}

const check = { spec: { id: 'users-name-parity', kind: 'column_parity' } } as unknown as LoadedCheck;

describe('progress display', () => {
  it('redraws one line in place and clears it before the report', () => {
    const { stream, writes } = terminal();
    const display = createProgressDisplay(stream, 0);
    display.observer.checkStarted?.({ runId: 'r', check, resultId: 'x' });
    display.observer.progress?.({ runId: 'r', checkId: 'users-name-parity', rowsScanned: 50_000, rowsEstimated: 100_000, at: new Date(), startedAt: new Date(Date.now() - 5_000), rowsPerSecond: 10_000, etaSeconds: 5 });
    display.observer.checkFinished?.({ runId: 'r', check, resultId: 'x', result: { status: 'fail' } as never });
    display.clear();
    expect(writes[0]).toBe('\r\x1b[2Kusers-name-parity  verifying…');
    expect(writes[1]).toMatch(/^\r\x1b\[2Kusers-name-parity .*50(,000|\.0k)/);
    expect(writes.every((w) => w.startsWith('\r\x1b[2K') && !w.includes('\n'))).toBe(true);
    expect(writes.every((w) => w.length <= 60 + 4)).toBe(true);
    expect(writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('does not redraw faster than its interval', () => {
    const { stream, writes } = terminal();
    const display = createProgressDisplay(stream, 60_000);
    for (let i = 0; i < 50; i++) display.observer.progress?.({ runId: 'r', checkId: 'c', rowsScanned: i, at: new Date(), startedAt: new Date(), rowsPerSecond: null, etaSeconds: null });
    expect(writes).toHaveLength(1);
  });
});
