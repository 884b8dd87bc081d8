/**
 * Gate evidence reused between answers. A poller asking the same gate thousands of times a second
 * would otherwise read the same rows thousands of times. Fail-closed rules:
 *
 * - Any change to check results this process hears of (its own writes, and on Postgres every other
 *   writer's through LISTEN) drops everything cached; a read that was under way when a change was
 *   heard is handed to its callers but not kept.
 * - Whatever was missed (a notification lost while the LISTEN connection was down) is bounded by
 *   `ttlMs`: no evidence is reused longer than that after it was read.
 * - The store's `now` is not frozen with the evidence: an answer's `now` is the store's reading
 *   plus the time elapsed since the read *began* (so ages are over-, never under-estimated), so
 *   max_age expires at answer time. A clock that went backwards drops the entry.
 * - Definitions are not cached here at all: the verdict is computed per answer from the current
 *   catalog, so a definition change is judged by the very next answer.
 */
import type { Clock } from '../runner/clock.js';
import type { GateEvidence, SourceWitness } from '../store/gates.js';

export interface EvidenceCache {
  /** The evidence for these checks (judged against these witnesses), with `now` as of this call (the store's clock). */
  read(checkIds: readonly string[], witnesses?: readonly SourceWitness[]): Promise<GateEvidence>;
  /** Drops everything cached (results changed). */
  invalidate(): void;
}

export interface EvidenceCacheOptions {
  load(checkIds: string[], witnesses: readonly SourceWitness[]): Promise<GateEvidence>;
  clock: Pick<Clock, 'now'>;
  /** Longest reuse of one read; 0 turns the cache off (every answer reads the store). */
  ttlMs: number;
}

/** How long gate evidence may be reused when nothing says it changed: the documented staleness bound. */
export const DEFAULT_GATE_EVIDENCE_TTL_MS = 1_000;

interface Entry { generation: number; startedMs: number; evidence: GateEvidence }
interface Flight { generation: number; startedMs: number; promise: Promise<GateEvidence> }

/** Creates the cache; `invalidate` is what result-change listeners call. */
export function createEvidenceCache(options: EvidenceCacheOptions): EvidenceCache {
  let generation = 0;
  const entries = new Map<string, Entry>();
  const flights = new Map<string, Flight>();

  /** The evidence as of `atMs`: the store's reading plus the time since the read began; undefined when not usable. */
  const aged = (evidence: GateEvidence, startedMs: number, atMs: number): GateEvidence | undefined => {
    const elapsed = atMs - startedMs;
    if (elapsed < 0 || elapsed > options.ttlMs) return undefined;
    return { now: new Date(evidence.now.getTime() + elapsed), latest: evidence.latest };
  };

  return {
    async read(checkIds, witnesses = []) {
      const ids = [...checkIds];
      if (options.ttlMs <= 0) return options.load(ids, witnesses);
      // The witnesses come from the catalog: another catalog's are another question.
      const key = JSON.stringify([[...ids].sort(), witnesses.map((w) => [w.source, w.readAs, w.checkId, w.hash, w.target ?? null])]);
      const entry = entries.get(key);
      if (entry && entry.generation === generation) {
        const hit = aged(entry.evidence, entry.startedMs, options.clock.now().getTime());
        if (hit) return hit;
      }
      // Concurrent askers share one read, but only one begun since the last change they could know of.
      let flight = flights.get(key);
      if (!flight || flight.generation !== generation) {
        const startedMs = options.clock.now().getTime();
        const startedIn = generation;
        const promise = options.load(ids, witnesses).then((evidence) => {
          // Kept only if no change was heard while it was read: it may predate that change.
          if (startedIn === generation) entries.set(key, { generation: startedIn, startedMs, evidence });
          return evidence;
        }).finally(() => {
          if (flights.get(key)?.promise === promise) flights.delete(key);
        });
        flight = { generation: startedIn, startedMs, promise };
        flights.set(key, flight);
      }
      const evidence = await flight.promise;
      const atMs = options.clock.now().getTime();
      // A read that outlived the TTL (a slow store) still answers its callers, aged to now.
      return aged(evidence, flight.startedMs, atMs) ?? { now: new Date(evidence.now.getTime() + Math.max(0, atMs - flight.startedMs)), latest: evidence.latest };
    },
    invalidate() {
      generation++;
      entries.clear();
    },
  };
}
