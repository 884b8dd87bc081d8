/**
 * The ephemeral store of a one-shot `parity run` with no state store configured: the run, its
 * results and the check leases live in this process's memory and end with it. Nothing is written
 * to disk, so a one-shot audit neither opens PGlite (seconds, hundreds of MB) nor leaves ./.parity
 * behind. What only a persistent store can answer — gate evidence and decisions, schedule claims,
 * retention, metric imports — throws StoreNotKeptError instead of answering from nothing, so any
 * caller that reached it would report "could not verify", never a pass.
 */
import type { CounterSnapshot, StoredCounterSnapshot } from '../kinds/types.js';
import type { JsonValue, Sample } from '../results/outcome.js';
import { createResultChanges } from './result-changes.js';
import type { FinishedResult, HeldLease, NewResult, NewRun, ResultRecord, RunRecord, RunStatus } from './runs.js';
import type { LeaseRecord, LeaseRequest } from './leases.js';
import type { StateStore } from './store.js';

/** Asked a persistent store's question with no state store configured. */
export class StoreNotKeptError extends Error {
  override readonly name = 'StoreNotKeptError';
  constructor(readonly what: string) {
    super(`${what} needs a state store, and none is configured: set --data-dir (PARITY_DATA_DIR) or DATABASE_URL`);
  }
}

/**
 * A value as it would come back from a jsonb column: JSON types only, object keys in jsonb's order
 * (shorter first, then bytewise). Output formats print stored results, so results printed from
 * memory read exactly as results printed from a database.
 */
export function asStoredJson<T>(value: T): T {
  if (value === undefined) return value;
  return normalize(JSON.parse(JSON.stringify(value)) as JsonValue) as T;
}

function normalize(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(normalize);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value).sort(jsonbKeyOrder);
  const out: Record<string, JsonValue> = {};
  for (const key of keys) out[key] = normalize(value[key]!);
  return out;
}

function jsonbKeyOrder(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length - y.length || Buffer.compare(x, y);
}

/** A stored sample: a side present in the sample is kept (a NULL in the data as null); detail only when set. */
function storedSample(sample: Sample): Sample {
  const kept: Sample = { category: sample.category, key: asStoredJson(sample.key) };
  if ('old' in sample) kept.old = asStoredJson(sample.old ?? null);
  if ('new' in sample) kept.new = asStoredJson(sample.new ?? null);
  if (sample.detail !== undefined && sample.detail !== null) kept.detail = asStoredJson(sample.detail);
  return kept;
}

export interface MemoryStoreOptions {
  /** The store's clock (stamps result times); the system clock unless a test passes one. */
  now?: () => Date;
}

/** Opens an empty in-process store; closing it forgets everything. */
export function createMemoryStore(options: MemoryStoreOptions = {}): StateStore {
  const now = options.now ?? (() => new Date());
  const runs = new Map<string, RunRecord>();
  const results = new Map<string, ResultRecord>();
  const leases = new Map<string, LeaseRecord>();
  const snapshots = new Map<string, StoredCounterSnapshot[]>();
  const resultChanges = createResultChanges();
  const unkept = (what: string) => async (): Promise<never> => {
    throw new StoreNotKeptError(what);
  };
  const copyResult = (r: ResultRecord): ResultRecord => ({ ...r, samples: [...(r.samples ?? [])] });
  const byStart = (a: ResultRecord, b: ResultRecord) => a.startedAt.getTime() - b.startedAt.getTime() || (a.checkId < b.checkId ? -1 : a.checkId > b.checkId ? 1 : 0);
  const updateRun = (id: string, change: Partial<RunRecord>) => {
    const run = runs.get(id);
    if (run) runs.set(id, { ...run, ...change });
  };

  const store: StateStore = {
    driver: 'memory',
    resultChanges,

    async createRun(run: NewRun) {
      const record: RunRecord = {
        id: run.id, trigger: run.trigger, requestedBy: run.requestedBy ?? null, status: 'queued', checkIds: asStoredJson(run.checkIds),
        selector: asStoredJson(run.selector), summary: null, owner: null, heartbeatAt: null, cancelRequestedAt: null,
        createdAt: run.createdAt, startedAt: null, finishedAt: null,
      };
      runs.set(run.id, record);
      return { ...record };
    },
    async startRun(id: string, owner: string, at: Date) {
      updateRun(id, { status: 'running', owner, startedAt: at, heartbeatAt: at });
    },
    async heartbeatRun(id: string, at: Date) {
      if (runs.get(id)?.status === 'running') updateRun(id, { heartbeatAt: at });
    },
    async requestCancel(id: string, at: Date) {
      const run = runs.get(id);
      if (!run || (run.status !== 'queued' && run.status !== 'running')) return undefined;
      updateRun(id, { cancelRequestedAt: at });
      return { ...runs.get(id)! };
    },
    async finishRun(id: string, status: RunStatus, summary: RunRecord['summary'], at: Date) {
      updateRun(id, { status, summary: asStoredJson(summary), finishedAt: at });
    },

    async startResult(result: NewResult) {
      if (results.has(result.id)) throw new Error(`result ${result.id} already recorded`);
      results.set(result.id, {
        id: result.id, runId: result.runId, checkId: result.checkId, kind: result.kind, status: 'running', definitionHash: result.definitionHash,
        summary: null, observations: {}, statements: [], error: null, servers: {}, slot: result.slot ?? null,
        startedAt: now(), readAt: null, finishedAt: null, durationMs: null, samples: [],
      });
      resultChanges.changed();
    },
    async markReading(id: string) {
      const result = results.get(id);
      if (result?.status === 'running') results.set(id, { ...result, readAt: now() });
      resultChanges.changed();
    },
    async finishResult(id: string, done: FinishedResult) {
      const result = results.get(id);
      const finishedAt = now();
      if (result) {
        results.set(id, {
          ...result, status: done.status, summary: done.summary, observations: asStoredJson(done.observations), statements: asStoredJson(done.statements),
          error: asStoredJson(done.error ?? null), servers: asStoredJson(done.servers ?? {}), finishedAt, durationMs: Math.round(done.durationMs),
          samples: done.samples.map(storedSample),
        });
      }
      resultChanges.changed();
      return result ? finishedAt : done.finishedAt;
    },
    async finishLeasedResult(id: string, done: FinishedResult, lease: HeldLease) {
      // As on Postgres: the outcome is written only while the lease is still this run's.
      if (leases.get(lease.checkId)?.runId !== lease.runId) return 'lease_lost' as const;
      leases.delete(lease.checkId);
      return store.finishResult(id, done);
    },

    async getRun(id: string) {
      const run = runs.get(id);
      if (!run) return undefined;
      return { ...run, results: [...results.values()].filter((r) => r.runId === id).sort(byStart).map(copyResult) };
    },
    async listRuns(limit: number, before?: Date) {
      return [...runs.values()].filter((r) => !before || r.createdAt < before)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).slice(0, limit).map((r) => ({ ...r }));
    },
    async getResult(id: string) {
      const result = results.get(id);
      return result && copyResult(result);
    },
    async checkHistory(checkId: string, limit: number) {
      // Newest first, running ones (no finish yet) before any finished one, like the SQL's `nulls first`.
      const finished = (r: ResultRecord) => r.finishedAt?.getTime() ?? Number.POSITIVE_INFINITY;
      return [...results.values()].filter((r) => r.checkId === checkId)
        .sort((a, b) => finished(b) - finished(a) || b.startedAt.getTime() - a.startedAt.getTime()).slice(0, limit).map(copyResult);
    },
    /**
     * A one-shot run keeps no earlier results, so there is no full pass to extend: an incremental
     * check always runs its full pass here (never a narrower one on a chain nobody kept).
     */
    async incrementalChain(_checkId: string): Promise<Awaited<ReturnType<StateStore['incrementalChain']>>> {
      return [];
    },
    async latestFinished(checkIds: string[]) {
      const latest = new Map<string, ResultRecord>();
      for (const r of results.values()) {
        if (!checkIds.includes(r.checkId) || r.finishedAt === null) continue;
        const seen = latest.get(r.checkId);
        if (!seen || seen.finishedAt!.getTime() < r.finishedAt.getTime()) latest.set(r.checkId, r);
      }
      return new Map([...latest].map(([id, r]) => [id, copyResult(r)]));
    },
    async runningChecks(checkIds: string[]) {
      return new Set([...results.values()].filter((r) => r.status === 'running' && checkIds.includes(r.checkId)).map((r) => r.checkId));
    },

    // Leases still matter in one process: two runs of the same check never overlap.
    async acquireLease(req: LeaseRequest) {
      const held = leases.get(req.checkId);
      if (held && held.expiresAt.getTime() >= req.now.getTime()) return false;
      leases.set(req.checkId, { checkId: req.checkId, runId: req.runId, holder: req.holder, acquiredAt: req.now, expiresAt: new Date(req.now.getTime() + req.ttlMs) });
      const reading = req.readingResultId === undefined ? undefined : results.get(req.readingResultId);
      if (reading?.status === 'running') {
        results.set(reading.id, { ...reading, readAt: now() });
        resultChanges.changed();
      }
      return true;
    },
    async renewLease(req: Omit<LeaseRequest, 'holder'>) {
      const held = leases.get(req.checkId);
      if (held?.runId !== req.runId) return false;
      leases.set(req.checkId, { ...held, expiresAt: new Date(req.now.getTime() + req.ttlMs) });
      return true;
    },
    async releaseLease(checkId: string, runId: string) {
      if (leases.get(checkId)?.runId === runId) leases.delete(checkId);
    },
    async leaseOf(checkId: string) {
      const held = leases.get(checkId);
      return held && { ...held };
    },
    // One process: its runs end with it, so there is never another owner's dead run to abort.
    async abortDeadRuns() {
      return { runIds: [], resultIds: [] };
    },

    async recordCounters(checkId: string, scope: string, snapshot: CounterSnapshot, keepSince: Date) {
      const key = JSON.stringify([checkId, scope]);
      const list = snapshots.get(key) ?? [];
      let kept = list.find((s) => s.at.getTime() === snapshot.at.getTime());
      if (!kept) {
        kept = { at: snapshot.at, counters: asStoredJson(snapshot.counters), recordedAt: now() };
        list.push(kept);
      }
      list.sort((a, b) => a.at.getTime() - b.at.getTime());
      const baseline = list.filter((s) => s.at <= keepSince).at(-1);
      snapshots.set(key, baseline ? list.filter((s) => s.at >= baseline.at) : list);
      return { recordedAt: kept.recordedAt };
    },
    async baselineCounters(checkId: string, scope: string, cutoff: Date) {
      const list = snapshots.get(JSON.stringify([checkId, scope])) ?? [];
      return list.filter((s) => s.at <= cutoff).at(-1) ?? list[0];
    },

    // A scan's progress survives only a process that survives: nothing here outlives the run, so
    // there is never progress to resume, and every scan starts from its first chunk.
    async claimCheckpoint() {
      return undefined;
    },
    async saveCheckpoint() {
      return true;
    },
    async clearCheckpoint() {},
    async pruneCheckpoints() {
      return 0;
    },

    gateEvidence: unkept('gate evidence'),
    latestResultsForGate: unkept('gate evidence'),
    recordGateDecision: unkept('recording a gate decision'),
    probeGateDecision: unkept('recording a gate decision'),
    addGateDecisionRepeats: unkept('recording a gate decision'),
    listGateDecisions: unkept('the gate decision record'),
    claimSlot: unkept('scheduling'),
    reclaimAbortedSlot: unkept('scheduling'),
    claimOf: unkept('scheduling'),
    updateClaim: unkept('scheduling'),
    listClaims: unkept('scheduling'),
    claimMaintenance: unkept('retention'),
    finishMaintenance: unkept('retention'),
    listMaintenance: unkept('retention'),
    pruneMaintenanceClaims: unkept('retention'),
    pruneResults: unkept('retention'),
    pruneSamples: unkept('retention'),
    pruneGateDecisions: unkept('retention'),
    pruneScheduleClaims: unkept('retention'),
    pruneRuns: unkept('retention'),
    claimCliResultsForMetrics: unkept('importing CLI results into metrics'),
    declareDefinitions: unkept('declaring check definitions'),
    pruneDeclarations: unkept('retention'),

    async ping() {},
    followOtherWriters() {},
    async close() {
      // Nothing read from a closed store is served again.
      resultChanges.changed();
      runs.clear();
      results.clear();
      leases.clear();
      snapshots.clear();
    },
  };
  return store;
}
