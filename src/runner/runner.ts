/**
 * Runs: a set of checks executed together with bounded concurrency, each result recorded as it
 * finishes. The runner never switches on kind; observers (metrics, SSE) hear about progress.
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from './clock.js';
import type { Logger } from '../logging/logger.js';
import type { LoadedCheck } from '../catalog/catalog.js';
import type { SourceRegistry } from '../sources/registry.js';
import type { FinishedResult, ResultRecord, RunRecord } from '../store/runs.js';
import type { StateStore } from '../store/store.js';
import { executeCheck, faultOf } from './execute-check.js';
import { faultOutcome } from '../results/fault.js';
import type { Outcome } from '../results/outcome.js';
import { createLimiter, type Limiter } from '../concurrency/limiter.js';
import { createScanExecutor, plannedScans, scansOfCheck } from './scans.js';
import { kindOf } from '../catalog/registry.js';
import { watchingServers } from './server-watch.js';
import { createServerInspector } from './server-evidence.js';
import { finalProgress, progressFigures } from './progress-rate.js';
import { planRecheck, recheckOf, type RecheckPlan } from './recheck.js';
import type { FaultInfo } from '../results/fault.js';
import type { CheckGuard, CheckLease, FinishedRun, ProgressEvent, Runner, RunObserver, RunRequest } from './run-types.js';
import type { ChainLink } from './incremental.js';
import { LeaseLostError } from './check-guard.js';

export interface RunnerDeps {
  store: StateStore;
  sources: SourceRegistry;
  clock?: Clock;
  logger?: Logger;
  observers?: RunObserver[];
  /** Checks executed at once within one run. */
  checkConcurrency?: number;
  /** Name of this replica, recorded as the run's owner. */
  instanceId?: string;
  /** Serialises executions of the same check; none means checks run unguarded. */
  guard?: CheckGuard;
  /** Answer checks reading the same table with one scan (default on). */
  fuseScans?: boolean;
}

export function createRunner(deps: RunnerDeps): Runner {
  const clock = deps.clock ?? systemClock;
  const observers = deps.observers ?? [];
  const instanceId = deps.instanceId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const limiters = new Map<string, Limiter>();
  const active = new Map<string, { controller: AbortController; finished: Promise<FinishedRun>; progress: Map<string, ProgressEvent> }>();

  const limiterFor = (source: string) => {
    let limiter = limiters.get(source);
    if (!limiter) {
      limiter = createLimiter(deps.sources.specOf(source)?.max_connections ?? 4);
      limiters.set(source, limiter);
    }
    return limiter;
  };

  const notify = <K extends keyof RunObserver>(method: K, event: Parameters<NonNullable<RunObserver[K]>>[0]) => {
    for (const observer of observers) {
      try {
        (observer[method] as ((e: typeof event) => void) | undefined)?.(event);
      } catch (error) {
        deps.logger?.warn({ err: error, hook: method }, 'run observer failed');
      }
    }
  };

  /**
   * Runs `work` once the check has its turn; the store stamps (its own clock) when reading began.
   * Resolves, once the reads are done, with the step that records the outcome (and gives the turn
   * back): the caller runs it after freeing its run slot, so the next check reads while this
   * outcome's commit waits for the store's disk. Under a store lease the outcome is written and the
   * lease released in one transaction, and only while the lease is still held.
   */
  async function guarded(checkId: string, runId: string, resultId: string, signal: AbortSignal, work: (signal: AbortSignal) => Promise<FinishedResult>): Promise<() => Promise<FinishedResult>> {
    const reading = () => deps.store.markReading(resultId);
    const record = (result: FinishedResult) => async () => {
      // Observers (metrics, SSE) see the store's finish time, the one gates and the API use.
      result.finishedAt = await deps.store.finishResult(resultId, result);
      return result;
    };
    if (!deps.guard) {
      await reading();
      return record(await work(signal));
    }
    let lease: CheckLease;
    try {
      lease = await deps.guard.acquire({ checkId, runId, signal, resultId });
    } catch (error) {
      // Not getting a turn is "could not verify", recorded like any other fault.
      return record({ ...faultOutcome(faultOf(error, signal.aborted)), statements: [], finishedAt: clock.now(), durationMs: 0 });
    }
    const release = (inStore: boolean) => lease.release({ inStore }).catch((error) => deps.logger?.warn({ err: error, check_id: checkId }, 'could not release check lease'));
    let result: FinishedResult;
    try {
      // After the lease, before the first read: the gate orders results by this moment. A store
      // lease stamps it in the statement that took the lease.
      if (!lease.readingMarked) await reading();
      result = await work(AbortSignal.any([signal, lease.signal]));
    } catch (error) {
      await release(true);
      throw error;
    }
    return async () => {
      let inStore = true;
      try {
        if (!lease.held) return await record(result)();
        const finishedAt = await deps.store.finishLeasedResult(resultId, result, lease.held);
        // Either released with the result or no longer this run's: nothing left to delete.
        inStore = false;
        if (finishedAt !== 'lease_lost') {
          result.finishedAt = finishedAt;
          return result;
        }
        // Another execution may have read meanwhile (or the store lost the lease): the finding is void.
        return await record({ ...result, ...faultOutcome(new LeaseLostError(checkId).fault, result.observations as Outcome['observations']) })();
      } finally {
        await release(inStore);
      }
    };
  }

  async function execute(run: RunRecord, request: RunRequest, controller: AbortController, progress: Map<string, ProgressEvent>, rechecks: Map<string, RecheckPlan | FaultInfo>): Promise<FinishedRun> {
    const { store } = deps;
    await store.startRun(run.id, instanceId, clock.now());
    notify('runStarted', run);
    const log = deps.logger?.child({ run_id: run.id });
    const counts = { pass: 0, fail: 0, error: 0, total: request.checks.length };
    const runLimiter = createLimiter(deps.checkConcurrency ?? 4);
    // Checks declaring count scans over the same table share one pass (see scans.ts).
    // Rechecks narrow their own scans to a few keys: nothing to fuse.
    const hashes = new Map(request.checks.map((c) => [c.spec.id, c.hash]));
    // The checks' definitions were fixed when the run was asked for; so are the sources they read
    // through. A reload during the run swaps the service's registry for later runs only (the old
    // one is closed once the runs that pinned it are drained).
    // And each source's reads must all reach one server (server-watch.ts).
    const sources = watchingServers(deps.sources.pinned?.() ?? deps.sources);
    const planned = request.recheck ? [] : plannedScans(request.checks, (name) => sources.specOf(name));
    // Each source's identity and preflight, read once per run and shared by its checks.
    const inspect = createServerInspector(sources);
    const checkSources = new Map(request.checks.map((c) => [c.spec.id, kindOf(c.spec.kind)?.sourcesOf(c.spec) ?? []]));
    const scans = createScanExecutor({
      sources, limiters: limiterFor, planned, fuse: deps.fuseScans ?? true,
      // Chunked scans record their progress per chunk; an interrupted run's successor resumes it,
      // only on the same servers.
      checkpoints: {
        store, runId: run.id, definitionHash: (id) => hashes.get(id), sourcesOf: (id) => checkSources.get(id) ?? [],
        servers: async (names) => Promise.all(names.map(async (name) => {
          const s = await inspect(name);
          // An embedded database's id and data directory only where there is one: Postgres checkpoints keep their keys.
          return [name, s.system_identifier, s.timeline ?? null, s.database_oid ?? null, s.database, s.address, s.port, ...(s.embedded_id ? [s.embedded_id, s.data_dir ?? null] : [])];
        })),
      },
    });
    const heartbeat = clock.every(10_000, () => void store.heartbeatRun(run.id, clock.now()).catch(() => {}));
    try {
      await Promise.all(request.checks.map(async (check) => {
        const resultId = randomUUID();
        const recordOutcome = await runLimiter.run(async () => {
          await store.startResult({ id: resultId, runId: run.id, checkId: check.spec.id, kind: check.spec.kind, definitionHash: check.hash, slot: request.slot ?? null });
          notify('checkStarted', { runId: run.id, check, resultId });
          // Written before the statement starts: an embedded source's query holds the event loop
          // until it ends, and this line is what an operator (or a test) sees meanwhile.
          log?.debug({ check_id: check.spec.id, result_id: resultId }, 'check started');
          let readingSince: Date | undefined;
          return guarded(check.spec.id, run.id, resultId, controller.signal, async (signal) => {
            // Rate and time left count from the first read, not from the wait for the lease.
            readingSince = clock.now();
            const finished = await executeCheck(check, {
              sources,
              limiters: limiterFor,
              scans,
              planned: request.recheck ? undefined : scansOfCheck(planned, check.spec.id),
              recheck: rechecks.get(check.spec.id),
              // Read after the lease: the chain an incremental pass extends is the one no other run is extending.
              incrementalChain: async () => (await store.incrementalChain(check.spec.id)) as unknown as ChainLink[],
              snapshots: store,
              inspect,
              signal,
              now: () => clock.now(),
              onProgress: (update) => {
                const at = clock.now();
                const startedAt = readingSince ?? at;
                const figures = progressFigures({ rowsDone: update.rowsScanned, rowsEstimated: update.rowsEstimated, startedAt, now: at });
                const event: ProgressEvent = {
                  runId: run.id, checkId: check.spec.id, ...update, at, startedAt, rowsPerSecond: figures.rowsPerSecond, etaSeconds: figures.etaSeconds,
                };
                progress.set(check.spec.id, event);
                notify('progress', event);
              },
            });
            // Live progress ends with the check; its last figures (rows, estimate, rate, time left) stay with the result.
            const last = progress.get(check.spec.id);
            if (last) finished.observations = { ...finished.observations, progress: finalProgress(last) };
            return finished;
          });
        });
        // The run slot is free: the next check reads while this outcome is written.
        const result = await recordOutcome();
        counts[result.status]++;
        log?.info({ check_id: check.spec.id, status: result.status, duration_ms: result.durationMs, error_code: result.error?.code }, result.summary);
        notify('checkFinished', { runId: run.id, check, resultId, result });
      }));
      await store.finishRun(run.id, controller.signal.aborted ? 'cancelled' : 'finished', counts, clock.now());
    } catch (error) {
      // The store failed mid-run: the run cannot be trusted, so it is recorded as aborted if possible.
      log?.error({ err: error }, 'run aborted: could not record results');
      await store.finishRun(run.id, 'aborted', counts, clock.now()).catch(() => {});
      throw error;
    } finally {
      heartbeat.cancel();
    }
    const finished = await store.getRun(run.id);
    if (!finished) throw new Error(`run ${run.id} vanished from the store`);
    notify('runFinished', finished);
    return finished;
  }

  return {
    async start(asked) {
      // A recheck runs each check under its own id, narrowed to the keys its last result sampled.
      const rechecks = new Map<string, RecheckPlan | FaultInfo>();
      let request = asked;
      if (asked.recheck === 'failing') {
        const last = await deps.store.latestFinished(asked.checks.map((c) => c.spec.id));
        const checks = asked.checks.map((check) => {
          const derived = recheckOf(check);
          rechecks.set(derived.spec.id, planRecheck(check.spec.id, last.get(check.spec.id)));
          return derived;
        });
        request = { ...asked, checks };
      }
      const run = await deps.store.createRun({
        id: randomUUID(),
        trigger: request.trigger,
        requestedBy: request.requestedBy ?? null,
        checkIds: request.checks.map((c) => c.spec.id),
        selector: request.selector ?? {},
        createdAt: clock.now(),
      });
      const controller = new AbortController();
      const progress = new Map<string, ProgressEvent>();
      const finished = execute(run, request, controller, progress, rechecks).finally(() => active.delete(run.id));
      finished.catch(() => {});
      active.set(run.id, { controller, finished, progress });
      return { run, finished };
    },
    cancel(runId) {
      const entry = active.get(runId);
      if (!entry) return false;
      entry.controller.abort();
      return true;
    },
    progressOf(runId) {
      const entry = active.get(runId);
      return entry ? [...entry.progress.values()] : undefined;
    },
    async drain() {
      await Promise.allSettled([...active.values()].map((a) => a.finished));
    },
  };
}
