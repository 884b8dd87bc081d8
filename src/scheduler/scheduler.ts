/**
 * The scheduler loop inside `parity serve`: sleep until the next slot (or at most tickMs), tick,
 * and every reapEveryMs abort the runs of replicas that stopped heartbeating. Every replica runs
 * the same loop; the state store decides who runs each slot.
 */
import { ConfigError } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { parseDuration } from '../checkfile/duration.js';
import type { Service } from '../service/service.js';
import { nextWakeUp } from './plan-slots.js';
import { createTickState, runSchedulerTick, type TickAction } from './tick.js';
import { runRetentionPass, type PruneCounts, type RetentionState } from './retention-pass.js';

export interface SchedulerOptions {
  /** Longest sleep between ticks, so catalog reloads and reaping are noticed. */
  tickMs?: number;
  /** A run whose owner has not heartbeaten for this long is presumed dead and aborted. */
  deadAfterMs?: number;
  /** How often this replica looks for dead replicas' runs. */
  reapEveryMs?: number;
  /** Defaults to the service's instance id. */
  instanceId?: string;
  logger?: Logger | undefined;
  /** Hears what each tick did (tests, debug logging). */
  onTick?: (actions: TickAction[]) => void;
  /** Called after every pass, even one that did nothing: the heartbeat "scheduler stalled" alerts watch. */
  onPass?: (actions: TickAction[], at: Date) => void;
  /** Called with how many runs of dead replicas a reap aborted. */
  onRunsAborted?: (count: number) => void;
  /** Called after this replica pruned the state store (it won the retention slot). */
  onPruned?: (counts: PruneCounts) => void;
}

export interface Scheduler {
  /** Stops ticking and waits for the current tick and for started runs' claims to be closed. */
  stop(): Promise<void>;
}

/** The runner heartbeats every 10 s; three missed heartbeats and a bit mean the owner is gone. */
export const DEFAULT_DEAD_AFTER_MS = 45_000;
/** Below this a live replica whose heartbeat write is merely slow could be declared dead. */
const MIN_DEAD_AFTER_MS = 20_000;

/** Operator tuning from the environment: PARITY_SCHEDULER_DEAD_AFTER and PARITY_SCHEDULER_TICK (durations). */
export function schedulerOptionsFromEnv(env: Record<string, string | undefined>): Pick<SchedulerOptions, 'deadAfterMs' | 'tickMs'> {
  const problems: string[] = [];
  const read = (name: string, min: number) => {
    const text = env[name];
    if (text === undefined || text === '') return undefined;
    const ms = parseDuration(text);
    if (ms === undefined || ms < min) problems.push(`${name} "${text}" must be a duration of at least ${min / 1000}s, e.g. 45s`);
    return ms;
  };
  const deadAfterMs = read('PARITY_SCHEDULER_DEAD_AFTER', MIN_DEAD_AFTER_MS);
  const tickMs = read('PARITY_SCHEDULER_TICK', 100);
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...(deadAfterMs === undefined ? {} : { deadAfterMs }), ...(tickMs === undefined ? {} : { tickMs }) };
}

/** Starts the loop over the catalog's schedules (parsed and validated when the catalog was loaded). */
export async function startScheduler(service: Service, options: SchedulerOptions = {}): Promise<Scheduler> {
  const tickMs = options.tickMs ?? 5_000;
  const deadAfterMs = options.deadAfterMs ?? DEFAULT_DEAD_AFTER_MS;
  const reapEveryMs = options.reapEveryMs ?? 10_000;
  const logger = options.logger ?? service.logger;
  const state = createTickState();
  const deps = {
    store: service.store, runner: service.runner, catalog: () => service.catalog(),
    instanceId: options.instanceId ?? service.config.instanceId, logger,
  };
  const controller = new AbortController();
  let lastReap = 0;
  const retention: RetentionState = { lastSlot: undefined };
  let pruning: Promise<void> | undefined;
  const retentionDeps = { store: service.store, retention: () => service.catalog().retention?.settings, instanceId: deps.instanceId, logger };

  async function reap(): Promise<void> {
    const aborted = await service.store.abortDeadRuns(service.clock.now(), deadAfterMs);
    if (aborted.runIds.length > 0) options.onRunsAborted?.(aborted.runIds.length);
    if (aborted.runIds.length > 0) logger?.warn({ run_ids: aborted.runIds, result_ids: aborted.resultIds }, 'aborted runs of replicas that stopped heartbeating');
    // Forget which slots were taken, so a slot whose run was just aborted can be claimed again.
    state.handled.clear();
  }

  async function loop(): Promise<void> {
    while (!controller.signal.aborted) {
      try {
        if (service.clock.now().getTime() - lastReap >= reapEveryMs) {
          lastReap = service.clock.now().getTime();
          await reap();
        }
        // In the background, one pass at a time: pruning never delays a scheduled slot, and its
        // failures are logged (the next slot tries again), never stopping scheduled checks.
        pruning ??= runRetentionPass(retentionDeps, retention, service.clock.now())
          .then((counts) => { if (counts) options.onPruned?.(counts); })
          .catch((error: unknown) => logger?.error({ err: error }, 'retention: pruning the state store failed'))
          .finally(() => { pruning = undefined; });
        const actions = await runSchedulerTick(deps, state, service.clock.now());
        if (actions.length > 0) options.onTick?.(actions);
        options.onPass?.(actions, service.clock.now());
      } catch (error) {
        // The state store is unreachable or similar: keep the loop alive and try again next tick.
        logger?.error({ err: error }, 'scheduler tick failed');
      }
      const now = service.clock.now();
      const wake = nextWakeUp(service.catalog().checks.values(), now, tickMs);
      // A few ms past the slot so the tick never lands just before it.
      // Unreferenced: the scheduler alone never keeps the process alive.
      await service.clock.sleep(Math.max(5, wake.getTime() - now.getTime() + 5), { signal: controller.signal, background: true }).catch(() => {});
    }
  }

  const running = loop();
  return {
    async stop() {
      controller.abort();
      await running;
      await Promise.allSettled([...state.pending, pruning]);
    },
  };
}
