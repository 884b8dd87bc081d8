/**
 * The one clock: what time it is, and when to wake. Leases, heartbeats, the reaper, gauges and
 * event streams all wait through it, so tests can drive them with a manual clock instead of real
 * time, and no timer of parity's ever keeps the process alive on its own.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** How to sleep: cancellable, and whether the wait alone may keep the process alive. */
export interface SleepOptions { signal?: AbortSignal | undefined; background?: boolean }

/** A repeating timer; cancel stops it. */
export interface Timer { cancel(): void }

export interface Clock {
  now(): Date;
  /** Calls `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): Timer;
  /**
   * Resolves after `ms`; rejects with the signal's reason once it aborts. A sleep is awaited work
   * (a check waiting for its turn, a pause between chunks) and keeps the process alive, unless it
   * is `background` (a loop that must not hold the process open on its own).
   */
  sleep(ms: number, options?: SleepOptions): Promise<void>;
}

/** Real time; repeating timers are unreferenced (they never keep the process alive). */
export const systemClock: Clock = {
  now: () => new Date(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return { cancel: () => clearInterval(timer) };
  },
  sleep: (ms, options = {}) => delay(ms, undefined, { ref: options.background !== true, ...(options.signal ? { signal: options.signal } : {}) }),
};
