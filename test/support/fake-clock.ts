/**
 * A clock tests move by hand. Its readings advance only when told to — plus `tickMs` per reading,
 * so events a test performs one after another never share a timestamp. Timers are real by default
 * (most tests only pin what time it is); with `timers: 'manual'` they fire only when `advance`
 * moves time past them, in order, so leases, heartbeats and sleeps run on the test's schedule.
 */
import { systemClock, type Clock } from '../../src/runner/clock.js';

export interface FakeClock extends Clock {
  set(at: Date | string): void;
  /** Moves time forward; with manual timers, fires every timer and sleep that falls due, in order. */
  advance(ms: number): void;
}

interface Pending { at: number; order: number; fire: () => void; every?: number; state: { cancelled: boolean } }

export function fakeClock(start: Date | string = '2025-06-01T12:00:00.000Z', tickMs = 1, options: { timers?: 'real' | 'manual' } = {}): FakeClock {
  let current = new Date(start).getTime();
  let order = 0;
  const pending: Pending[] = [];
  const schedule = (entry: Omit<Pending, 'order'>) => {
    const item = { ...entry, order: order++ };
    pending.push(item);
    return item;
  };
  const manual = options.timers === 'manual';
  return {
    now: () => {
      const at = new Date(current);
      current += tickMs;
      return at;
    },
    set: (at) => { current = new Date(at).getTime(); },
    advance(ms) {
      const until = current + ms;
      for (;;) {
        pending.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = pending[0];
        if (!next || next.at > until) break;
        pending.shift();
        if (next.state.cancelled) continue;
        current = Math.max(current, next.at);
        if (next.every !== undefined) schedule({ ...next, at: next.at + next.every });
        next.fire();
      }
      current = Math.max(current, until);
    },
    every(ms, fn) {
      if (!manual) return systemClock.every(ms, fn);
      // Every occurrence shares one state, so cancelling stops the repeats not yet scheduled too.
      const state = { cancelled: false };
      schedule({ at: current + ms, fire: fn, every: ms, state });
      return { cancel: () => { state.cancelled = true; } };
    },
    sleep(ms, options = {}) {
      const { signal } = options;
      if (!manual) return systemClock.sleep(ms, options);
      return new Promise<void>((resolve, reject) => {
        signal?.throwIfAborted();
        const state = { cancelled: false };
        schedule({ at: current + ms, state, fire: () => { signal?.removeEventListener('abort', onAbort); resolve(); } });
        const onAbort = () => { state.cancelled = true; reject(signal!.reason); };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
