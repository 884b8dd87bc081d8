/**
 * The one clock: what time it is, and when to wake. Leases, heartbeats, the reaper, gauges and
 * event streams all wait through it, so tests can drive them with a manual clock instead of real
 * time, and no timer of parity's ever keeps the process alive on its own.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** A repeating timer; cancel stops it. */
export interface Timer { cancel(): void }

export interface Clock {
  now(): Date;
  /** Calls `fn` every `ms` until cancelled. */
  every(ms: number, fn: () => void): Timer;
  /** Resolves after `ms`; rejects with the signal's reason once it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Real time; timers are unreferenced (they never keep the process alive). */
export const systemClock: Clock = {
  now: () => new Date(),
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return { cancel: () => clearInterval(timer) };
  },
  sleep: (ms, signal) => delay(ms, undefined, { ref: false, ...(signal ? { signal } : {}) }),
};
