/**
 * Replay's contract window: after `stop_old_writes` the application writes again while `unused`
 * checks watch. A real window is hours (at least 1h; 24h typically); replay's is a few statements,
 * so it keeps the window's counter snapshots in memory and offers the one taken at the window's
 * start as exactly one window old. Everything else — reading pg_stat_statements, deltas,
 * discontinuity, the verdict — is the kind's own code, unchanged. Used only by replay.
 */
import type { CounterSnapshot, CounterSnapshotStore } from '../kinds/types.js';

/** A snapshot store for one contract window at a time; `open()` starts a new one. */
export interface ContractWindowSnapshots extends CounterSnapshotStore {
  open(): void;
}

/** Creates the in-memory store; the first snapshot of each check in the window is its baseline. */
export function createContractWindowSnapshots(): ContractWindowSnapshots {
  const first = new Map<string, CounterSnapshot>();
  const key = (checkId: string, scope: string) => JSON.stringify([checkId, scope]);
  return {
    open: () => first.clear(),
    async recordCounters(checkId, scope, snapshot) {
      if (!first.has(key(checkId, scope))) first.set(key(checkId, scope), snapshot);
      // Replay has one clock (the scratch server's); it stands for the store's too.
      return { recordedAt: snapshot.at };
    },
    async baselineCounters(checkId, scope, cutoff) {
      const start = first.get(key(checkId, scope));
      // The window's start stands for "a window ago": the compressed window is the whole window,
      // by either clock.
      return start ? { at: cutoff, counters: start.counters, recordedAt: cutoff } : undefined;
    },
  };
}
