/**
 * Retention pruning, run by the scheduler of every replica but done by one: each `every`-long slot
 * is claimed in the state store (maintenance_claims), and only the replica whose claim wins prunes.
 * Deletes go in batches so no statement holds locks for long; a pass stops after MAX_BATCHES per
 * table and the next slot carries on.
 */
import type { Logger } from '../logging/logger.js';
import { DEFAULT_RETENTION, type RetentionSettings } from '../checkfile/retention.js';
import type { Store } from '../store/store.js';

export const RETENTION_TASK = 'retention';
const BATCH_ROWS = 1_000;
const MAX_BATCHES = 50;
const DAY_MS = 86_400_000;

export type PruneCounts = Record<'results' | 'samples' | 'runs' | 'gate_decisions' | 'schedule_claims' | 'maintenance_claims' | 'check_declarations', number>;

export interface RetentionDeps {
  store: Pick<Store, 'claimMaintenance' | 'finishMaintenance' | 'pruneResults' | 'pruneSamples' | 'pruneRuns' | 'pruneGateDecisions' | 'pruneScheduleClaims' | 'pruneMaintenanceClaims' | 'pruneDeclarations'>;
  retention: () => RetentionSettings | undefined;
  instanceId: string;
  logger?: Logger | undefined;
}

/** The slot `now` falls in: passes are due once per `every`. */
export function retentionSlot(now: Date, everyMs: number): Date {
  return new Date(Math.floor(now.getTime() / everyMs) * everyMs);
}

/** What each table keeps: rows older than these cut-offs are pruned (evidence of current gate answers excepted). */
export function retentionCutoffs(now: Date, settings: RetentionSettings) {
  const before = (ms: number) => new Date(now.getTime() - ms);
  return {
    results: before(settings.results), samples: before(settings.samples),
    gateDecisions: before(settings.gate_decisions), scheduleClaims: before(settings.schedule_claims),
    // A declaration still in use is seen again within a day (check-declarations.ts): never prune one sooner.
    declarations: before(Math.max(settings.results, 2 * DAY_MS)),
  };
}

/** Remembers the last slot this replica looked at, so a slot is claimed at most once per replica. */
export interface RetentionState { lastSlot: number | undefined }

/**
 * Prunes when a new slot began and this replica wins its claim; resolves with the counts it
 * deleted, or undefined when it was not this replica's turn.
 */
export async function runRetentionPass(deps: RetentionDeps, state: RetentionState, now: Date): Promise<PruneCounts | undefined> {
  const settings = deps.retention() ?? DEFAULT_RETENTION;
  const slot = retentionSlot(now, settings.every);
  if (state.lastSlot === slot.getTime()) return undefined;
  state.lastSlot = slot.getTime();
  const won = await deps.store.claimMaintenance({ task: RETENTION_TASK, slot, claimedBy: deps.instanceId, claimedAt: now });
  if (!won) return undefined;
  const cutoff = retentionCutoffs(now, settings);
  const counts: PruneCounts = { results: 0, samples: 0, runs: 0, gate_decisions: 0, schedule_claims: 0, maintenance_claims: 0, check_declarations: 0 };
  const drain = async (name: keyof PruneCounts, prune: (before: Date, limit: number) => Promise<number>, before: Date) => {
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const deleted = await prune(before, BATCH_ROWS);
      counts[name] += deleted;
      if (deleted < BATCH_ROWS) return;
    }
  };
  try {
    // Samples before results (cheaper deletes of results after); runs after results (a run goes once it has none).
    await drain('samples', deps.store.pruneSamples, cutoff.samples);
    await drain('results', deps.store.pruneResults, cutoff.results);
    await drain('runs', deps.store.pruneRuns, cutoff.results);
    await drain('gate_decisions', deps.store.pruneGateDecisions, cutoff.gateDecisions);
    await drain('schedule_claims', deps.store.pruneScheduleClaims, cutoff.scheduleClaims);
    await drain('maintenance_claims', deps.store.pruneMaintenanceClaims, cutoff.scheduleClaims);
    await drain('check_declarations', deps.store.pruneDeclarations, cutoff.declarations);
  } catch (error) {
    await deps.store.finishMaintenance(RETENTION_TASK, slot, deps.instanceId, now, { error: (error as Error).message, ...counts }).catch(() => {});
    throw error;
  }
  await deps.store.finishMaintenance(RETENTION_TASK, slot, deps.instanceId, now, counts);
  deps.logger?.info({ slot: slot.toISOString(), deleted: counts }, 'retention: pruned the state store');
  return counts;
}
