/**
 * The store-backed CheckGuard: one lease row per check in check_leases, renewed by heartbeats.
 * Every run — on demand, scheduled or gate refresh, on any replica — takes it before executing a
 * check, so a check never overlaps itself. A replica that dies stops renewing and the lease lapses.
 */
import type { Logger } from '../logging/logger.js';
import type { CheckGuard, CheckLease } from './run-types.js';
import type { Clock } from './clock.js';
import type { Store } from '../store/store.js';
import { Fault } from '../results/fault.js';

/** The check is executing elsewhere and did not finish within the wait. */
export class CheckBusyError extends Fault {
  override readonly name = 'CheckBusyError';
  constructor(readonly checkId: string, readonly heldBy: string | undefined, waitedMs: number) {
    super({ code: 'busy', message: `check "${checkId}" is already executing${heldBy ? ` (run ${heldBy})` : ''}; waited ${Math.round(waitedMs / 1000)}s for it to finish` });
  }
}

/** The lease was taken over or reaped while the check ran. */
export class LeaseLostError extends Fault {
  override readonly name = 'LeaseLostError';
  constructor(readonly checkId: string) {
    super({ code: 'lease_lost', message: `lost the lease on check "${checkId}" while executing it` });
  }
}

export interface LeaseGuardOptions {
  /** This replica's name, recorded as the lease holder. */
  holder: string;
  clock: Clock;
  /** A lease not renewed for this long lapses and may be taken over. */
  ttlMs?: number;
  /** How long a run waits for another execution of the same check to finish. */
  waitMs?: number;
  /** First poll interval while waiting (doubles up to 2 s). */
  pollMs?: number;
  logger?: Logger | undefined;
}

type LeaseStore = Pick<Store, 'acquireLease' | 'renewLease' | 'releaseLease' | 'leaseOf'>;

/** Creates the guard the runner uses for every check execution. */
export function createLeaseGuard(store: LeaseStore, options: LeaseGuardOptions): CheckGuard {
  const ttlMs = options.ttlMs ?? 30_000;
  const waitMs = options.waitMs ?? 10 * 60_000;
  const { clock, holder } = options;

  function hold(checkId: string, runId: string, readingMarked: boolean): CheckLease {
    const controller = new AbortController();
    let lastRenewed = clock.now().getTime();
    let renewing: Promise<void> = Promise.resolve();
    let inFlight = false;
    const lose = () => {
      if (!controller.signal.aborted) controller.abort(new LeaseLostError(checkId));
    };
    const timer = clock.every(Math.max(50, Math.floor(ttlMs / 3)), () => {
      // One renewal at a time: two in flight could land out of order and write the older expiry last.
      if (inFlight) return;
      inFlight = true;
      renewing = (async () => {
        try {
          const at = clock.now();
          if (await store.renewLease({ checkId, runId, now: at, ttlMs })) lastRenewed = at.getTime();
          else lose();
        } catch (error) {
          // Unreachable store: after a full TTL without renewal another replica may hold it.
          options.logger?.warn({ err: error, check_id: checkId }, 'could not renew check lease');
          if (clock.now().getTime() - lastRenewed >= ttlMs) lose();
        } finally {
          inFlight = false;
        }
      })();
    });
    return {
      signal: controller.signal,
      held: { checkId, runId },
      readingMarked,
      async release(options) {
        timer.cancel();
        await renewing;
        if (options?.inStore !== false) await store.releaseLease(checkId, runId);
      },
    };
  }

  return {
    async acquire({ checkId, runId, signal, resultId }) {
      const started = clock.now().getTime();
      let pause = options.pollMs ?? 100;
      for (;;) {
        signal.throwIfAborted();
        if (await store.acquireLease({ checkId, runId, holder, now: clock.now(), ttlMs, readingResultId: resultId })) return hold(checkId, runId, resultId !== undefined);
        const waited = clock.now().getTime() - started;
        if (waited >= waitMs) throw new CheckBusyError(checkId, (await store.leaseOf(checkId))?.runId, waited);
        await clock.sleep(pause, { signal });
        pause = Math.min(pause * 2, 2_000);
      }
    },
  };
}
