import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const CLOCK = path.resolve(import.meta.dirname, '../../src/runner/clock.ts');

/** What a fresh Node process prints when the clock's timer is the only thing left to wait for. */
function aloneWith(code: string): string {
  const script = `import { systemClock } from ${JSON.stringify(CLOCK)};\n${code}`;
  return execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
}

describe('the system clock', () => {
  it('keeps the process alive through an awaited sleep (a CLI run paused between chunks finishes)', () => {
    expect(aloneWith("systemClock.sleep(150).then(() => console.log('woke'));")).toBe('woke\n');
  });

  it('lets the process end during a background sleep or under a repeating timer', () => {
    expect(aloneWith("systemClock.sleep(5_000, { background: true }).then(() => console.log('woke'));")).toBe('');
    expect(aloneWith("systemClock.every(5_000, () => console.log('tick'));")).toBe('');
  });
});
