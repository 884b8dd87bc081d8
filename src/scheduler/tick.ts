/**
 * One scheduler pass on one replica: reap dead replicas' runs, then for each due slot try to claim
 * (check, slot) and, if this replica won, start the run. Claims are decided by the state store, so
 * any number of replicas may tick at once.
 */
import type { Logger } from '../logging/logger.js';
import type { Runner } from '../runner/run-types.js';
import type { Catalog } from '../catalog/catalog.js';
import type { StateStore } from '../store/store.js';
import { dueSlots } from './plan-slots.js';

export interface TickDeps {
  store: StateStore;
  runner: Pick<Runner, 'start'>;
  catalog: () => Catalog;
  instanceId: string;
  logger?: Logger | undefined;
}

/** Per-replica memory between ticks. */
export interface TickState {
  /** check id → slot (ms) this replica already claimed or saw claimed. */
  handled: Map<string, number>;
  /** Runs this replica started, so shutdown can wait for their claims to be closed. */
  pending: Set<Promise<void>>;
}

/** What one tick did for one slot. */
export interface TickAction {
  checkId: string;
  slot: Date;
  action: 'started' | 'taken' | 'skipped' | 'failed';
  runId?: string;
  detail?: string;
}

/** Creates empty per-replica state. */
export function createTickState(): TickState {
  return { handled: new Map(), pending: new Set() };
}

/** Claims and starts every slot due at `now` that no replica has claimed yet. */
export async function runSchedulerTick(deps: TickDeps, state: TickState, now: Date): Promise<TickAction[]> {
  const { store, instanceId } = deps;
  const actions: TickAction[] = [];
  for (const { check, slot } of dueSlots(deps.catalog().checks.values(), now, state.handled)) {
    const checkId = check.spec.id;
    const claim = { checkId, slot, claimedBy: instanceId, claimedAt: now };
    let won = await store.claimSlot(claim);
    // A slot whose run was aborted (its replica died) is claimable again while it is still the due one.
    if (!won && (await store.claimOf(checkId, slot))?.outcome === 'aborted') won = await store.reclaimAbortedSlot(claim);
    if (!won) {
      state.handled.set(checkId, slot.getTime());
      actions.push({ checkId, slot, action: 'taken' });
      continue;
    }
    state.handled.set(checkId, slot.getTime());
    const lease = await store.leaseOf(checkId);
    if (lease && lease.expiresAt.getTime() > now.getTime()) {
      // Never overlap: the previous execution is still going, so this slot is recorded as skipped.
      await store.updateClaim(checkId, slot, instanceId, { runId: lease.runId, outcome: 'skipped' });
      deps.logger?.warn({ check_id: checkId, slot, running_run_id: lease.runId }, 'scheduled slot skipped: check still executing');
      actions.push({ checkId, slot, action: 'skipped', detail: `still executing in run ${lease.runId}` });
      continue;
    }
    try {
      const { run, finished } = await deps.runner.start({ checks: [check], trigger: 'schedule', requestedBy: `scheduler:${instanceId}`, slot });
      await store.updateClaim(checkId, slot, instanceId, { runId: run.id });
      const closing = finished
        .then((done) => store.updateClaim(checkId, slot, instanceId, { outcome: done.status === 'finished' ? 'ran' : 'aborted' }))
        .catch(() => store.updateClaim(checkId, slot, instanceId, { outcome: 'aborted' }))
        .catch((error) => deps.logger?.warn({ err: error, check_id: checkId }, 'could not close schedule claim'))
        .finally(() => state.pending.delete(closing));
      state.pending.add(closing);
      actions.push({ checkId, slot, action: 'started', runId: run.id });
    } catch (error) {
      await store.updateClaim(checkId, slot, instanceId, { outcome: 'aborted' }).catch(() => {});
      deps.logger?.error({ err: error, check_id: checkId, slot }, 'could not start scheduled run');
      actions.push({ checkId, slot, action: 'failed', detail: (error as Error).message });
    }
  }
  return actions;
}
