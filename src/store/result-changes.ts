/**
 * "Check results changed": heard from this process's own writes, and on Postgres from every other
 * writer (replicas, CLI runs) through LISTEN on the channel the check_results trigger notifies
 * (migration 0003). Caches of gate evidence subscribe and drop what they hold.
 */

/** The channel the check_results trigger notifies after every statement that changes results. */
export const RESULTS_CHANGED_CHANNEL = 'parity_results_changed';

export interface ResultChanges {
  /** Calls `listener` after every change heard; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** Results changed (a write of this process, a notification, or a reconnect that may have missed some). */
  changed(): void;
  /** True while notifications from other writers are being received (Postgres LISTEN is up). */
  hearsOtherWriters(): boolean;
  /** Records whether LISTEN is up (the store sets it). */
  setHearsOtherWriters(value: boolean): void;
}

/** Creates the signal; listeners that throw are isolated from the writer and each other. */
export function createResultChanges(): ResultChanges {
  const listeners = new Set<() => void>();
  let listening = false;
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    changed() {
      for (const listener of listeners) {
        try {
          listener();
        } catch {
          // A cache that cannot be told is bounded by its own TTL; the write itself succeeded.
        }
      }
    },
    hearsOtherWriters: () => listening,
    setHearsOtherWriters(value) {
      listening = value;
    },
  };
}

/** Wraps a write so every caller of it (whatever its outcome: it may have committed) signals a change. */
export function signallingChange<A extends unknown[], R>(changes: ResultChanges, write: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await write(...args);
    } finally {
      changes.changed();
    }
  };
}
