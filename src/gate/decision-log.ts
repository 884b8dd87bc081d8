/**
 * The record of gate decisions, without a row per poll. A decision is written (before it is
 * answered) when it differs from the last one this replica gave the same caller for the same phase
 * in its answer or its evidence; an identical answer on identical evidence only adds to that row's
 * repeat_count and last_seen_at, counted in memory and added in batches every `flushMs`.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.js';
import type { Clock, Timer } from '../runner/clock.js';
import type { Store } from '../store/store.js';
import type { GateVerdict } from './evaluate-gate.js';

export interface DecisionLog {
  /** The id of the recorded decision this verdict is (a new row, or a repeat of the last one). Throws when it cannot be recorded. */
  record(verdict: GateVerdict, context: DecisionContext): Promise<{ id: string; repeat: boolean }>;
  /** Resolves when the store would record this verdict as a new decision now, without recording it; throws otherwise. */
  probe(verdict: GateVerdict): Promise<void>;
  /** Adds the repeats counted so far to their rows now. */
  flush(): Promise<void>;
  /** Stops the flush timer and flushes. */
  close(): Promise<void>;
}

export interface DecisionContext {
  requestedBy: string | null;
  /** A refreshed answer rests on a run made for it: always its own row. */
  refreshed: boolean;
  /** The definition hash of each required check as judged (a definition change is new evidence). */
  definitions: ReadonlyMap<string, { hash: string }>;
}

export interface DecisionLogOptions {
  store: Pick<Store, 'recordGateDecision' | 'probeGateDecision' | 'addGateDecisionRepeats'>;
  clock: Clock;
  logger?: Logger | undefined;
  /** How often counted repeats are written; 0 writes each repeat at once (tests). */
  flushMs: number;
}

/** Repeats are written at least this often: a crash loses at most this much of the count, never a decision. */
export const DEFAULT_REPEAT_FLUSH_MS = 2_000;

/**
 * What makes two answers "the same": the answer, and per required check the result judged, its
 * status, whether it counts, and the definition it was judged against. Reason texts are left out:
 * they carry ages ("last passed 2h 5m ago"), which change with every poll while nothing else does.
 */
export function decisionFingerprint(verdict: GateVerdict, context: Pick<DecisionContext, 'requestedBy' | 'definitions'>): string {
  return JSON.stringify([
    verdict.migration, verdict.phase, context.requestedBy, verdict.allowed,
    verdict.checks.map((c) => [c.id, c.result_id, c.status, c.finished_at, c.reason === null, c.max_age_s, c.required_by, context.definitions.get(c.id)?.hash ?? null]),
    // Phase-level denials (no such phase, nothing required) name no check; their text has no age in it.
    verdict.checks.length === 0 ? verdict.reasons : [],
  ]);
}

interface Last { fingerprint: string; id: Promise<string> }

/** The row a verdict is recorded as: the same for a decision and for a probe of one. */
function decisionRow(verdict: GateVerdict, requestedBy: string | null) {
  return {
    id: randomUUID(), migrationId: verdict.migration, phase: verdict.phase, allowed: verdict.allowed, requestedBy,
    reasons: verdict.reasons, checks: verdict.checks as unknown as Record<string, unknown>[], evaluatedAt: new Date(verdict.evaluated_at),
  };
}

/** Creates the log; it flushes on the clock's timer until closed. */
export function createDecisionLog(options: DecisionLogOptions): DecisionLog {
  const last = new Map<string, Last>();
  const pending = new Map<string, { count: number; lastSeenAt: Date }>();
  let flushing: Promise<void> | undefined;
  let timer: Timer | undefined;

  const flushNow = async (): Promise<void> => {
    if (pending.size === 0) return;
    const batch = [...pending].map(([id, p]) => ({ id, ...p }));
    pending.clear();
    try {
      const found = await options.store.addGateDecisionRepeats(batch);
      // A row pruned by retention meanwhile: the next identical answer is recorded as new.
      for (const [key, entry] of last) {
        const id = await entry.id.catch(() => undefined);
        if (id !== undefined && batch.some((b) => b.id === id) && !found.has(id)) last.delete(key);
      }
    } catch (error) {
      // Kept for the next flush: the count is late, not lost (unless the process dies first).
      for (const b of batch) count(b.id, b.count, b.lastSeenAt);
      options.logger?.warn({ err: error, decisions: batch.length }, 'could not add gate decision repeats to the state store; will retry');
    }
  };

  function count(id: string, n: number, at: Date): void {
    const p = pending.get(id);
    if (p) {
      p.count += n;
      if (at > p.lastSeenAt) p.lastSeenAt = at;
    } else {
      pending.set(id, { count: n, lastSeenAt: at });
    }
  }

  const flush = (): Promise<void> => {
    // One flush at a time; a caller during one waits for it, then for its own.
    const next = (flushing ?? Promise.resolve()).then(flushNow);
    flushing = next.finally(() => { if (flushing === next) flushing = undefined; });
    return next;
  };

  if (options.flushMs > 0) timer = options.clock.every(options.flushMs, () => void flush());

  return {
    async record(verdict, context) {
      const key = JSON.stringify([verdict.migration, verdict.phase, context.requestedBy]);
      const fingerprint = decisionFingerprint(verdict, context);
      const evaluatedAt = new Date(verdict.evaluated_at);
      const previous = last.get(key);
      if (!context.refreshed && previous?.fingerprint === fingerprint) {
        // Waiting for the first row's insert if it is still under way: a repeat of an unrecorded answer is not given.
        const id = await previous.id;
        count(id, 1, evaluatedAt);
        if (options.flushMs === 0) await flush();
        return { id, repeat: true };
      }
      const id = options.store.recordGateDecision(decisionRow(verdict, context.requestedBy)).then((row) => row.id);
      const entry: Last = { fingerprint, id };
      last.set(key, entry);
      try {
        return { id: await id, repeat: false };
      } catch (error) {
        // Not recorded: forget it, so the next answer tries to record again rather than count a repeat of nothing.
        if (last.get(key) === entry) last.delete(key);
        throw error;
      }
    },
    async probe(verdict) {
      await options.store.probeGateDecision(decisionRow(verdict, null));
    },
    flush,
    async close() {
      timer?.cancel();
      timer = undefined;
      await flush();
    },
  };
}
