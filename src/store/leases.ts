/**
 * Check leases and replica liveness. A lease says "this run is executing this check"; it lapses
 * unless renewed, so a dead replica's lease frees itself. Runs whose owner stopped heartbeating
 * are marked aborted, their unfinished results become errors (never pass) and their slots reopen.
 */
import { and, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { StateDb } from './database.js';
import { checkLeases, checkResults, runs, scheduleClaims } from './schema.js';
import { couldNotVerify, type FaultInfo } from '../results/fault.js';
import { databaseClock, type StoreClock } from './store-clock.js';
import { ASYNC_COMMIT, rowsOf } from './async-commit.js';

const REPLICA_DIED: FaultInfo = { code: 'aborted', message: 'the replica running this check stopped heartbeating' };

export type LeaseRecord = typeof checkLeases.$inferSelect;

export interface LeaseRequest {
  checkId: string; runId: string; holder: string; now: Date; ttlMs: number;
  /** When the lease is taken, also stamp this running result's read_at (store clock): its reads begin now. */
  readingResultId?: string | undefined;
}

/** What one pass of the reaper did. */
export interface AbortedRuns { runIds: string[]; resultIds: string[] }

/** Lease and liveness queries over the drizzle state database. */
export function leaseQueries(db: StateDb, clock: StoreClock = databaseClock) {
  return {
    /** Takes the check's lease if it is free or lapsed; true when taken. */
    async acquireLease(req: LeaseRequest): Promise<boolean> {
      const now = req.now.toISOString();
      const expiresAt = new Date(req.now.getTime() + req.ttlMs).toISOString();
      // Committed without waiting for the WAL flush: the result is recorded only while this lease
      // still exists (finishLeasedResult), and that commit flushes this one (async-commit.ts).
      const take = sql`insert into ${checkLeases} as "lease" ("check_id", "run_id", "holder", "acquired_at", "expires_at")
        select ${req.checkId}, ${req.runId}, ${req.holder}, ${now}::timestamptz, ${expiresAt}::timestamptz from async_commit
        on conflict ("check_id") do update set "run_id" = excluded."run_id", "holder" = excluded."holder", "acquired_at" = excluded."acquired_at", "expires_at" = excluded."expires_at"
        -- Only a lapsed lease may be taken over; a live one stays with its holder.
        where "lease"."expires_at" < ${now}::timestamptz
        returning "lease"."run_id"`;
      // The lease and the result's read_at in one statement (one round trip per check fewer):
      // read_at is stamped only if this very statement took the lease, so it is still "after the
      // lease, before the first read".
      const rows = rowsOf<{ run_id: string }>(await db.execute(req.readingResultId === undefined
        ? sql`${ASYNC_COMMIT} ${take}`
        : sql`${ASYNC_COMMIT}, taken as (${take}),
          reading as (update ${checkResults} set "read_at" = ${clock()} where ${checkResults.id} = ${req.readingResultId} and ${checkResults.status} = 'running'
            and exists (select 1 from taken where taken."run_id" = ${req.runId}) returning 1)
          select "run_id" from taken`));
      return rows.length === 1 && rows[0]!.run_id === req.runId;
    },

    /** Extends the lease; false when it was lost (lapsed and taken, or reaped). */
    async renewLease(req: Omit<LeaseRequest, 'holder'>): Promise<boolean> {
      const rows = await db.update(checkLeases).set({ expiresAt: new Date(req.now.getTime() + req.ttlMs) })
        .where(and(eq(checkLeases.checkId, req.checkId), eq(checkLeases.runId, req.runId)))
        .returning({ checkId: checkLeases.checkId });
      return rows.length === 1;
    },

    async releaseLease(checkId: string, runId: string): Promise<void> {
      await db.delete(checkLeases).where(and(eq(checkLeases.checkId, checkId), eq(checkLeases.runId, runId)));
    },

    async leaseOf(checkId: string): Promise<LeaseRecord | undefined> {
      const [row] = await db.select().from(checkLeases).where(eq(checkLeases.checkId, checkId));
      return row;
    },

    /**
     * Marks runs whose owner has not heartbeaten since `now - deadAfterMs` as aborted, in one
     * transaction: their running results become `error` (code aborted), their schedule claims
     * become `aborted` (claimable again) and their leases are dropped. Replicas may race here:
     * the conditional UPDATE lets exactly one of them abort each run.
     */
    async abortDeadRuns(now: Date, deadAfterMs: number): Promise<AbortedRuns> {
      const cutoff = new Date(now.getTime() - deadAfterMs);
      return db.transaction(async (tx) => {
        const dead = await tx.update(runs).set({ status: 'aborted', finishedAt: now })
          .where(and(
            inArray(runs.status, ['queued', 'running']),
            or(lt(runs.heartbeatAt, cutoff), and(sql`${runs.heartbeatAt} is null`, lt(runs.createdAt, cutoff))),
          ))
          .returning({ id: runs.id, owner: runs.owner });
        // A claimer that died between claiming and starting its run leaves a claim with no run.
        await tx.update(scheduleClaims).set({ outcome: 'aborted' })
          .where(and(eq(scheduleClaims.outcome, 'claimed'), sql`${scheduleClaims.runId} is null`, lt(scheduleClaims.claimedAt, cutoff)));
        if (dead.length === 0) return { runIds: [], resultIds: [] };
        const runIds = dead.map((r) => r.id);
        const results = await tx.update(checkResults).set({
          status: 'error',
          // The store's clock, like every result time: the gate orders results by it.
          finishedAt: clock(),
          summary: couldNotVerify(REPLICA_DIED),
          error: REPLICA_DIED,
        }).where(and(inArray(checkResults.runId, runIds), eq(checkResults.status, 'running')))
          .returning({ id: checkResults.id });
        await tx.update(scheduleClaims).set({ outcome: 'aborted' })
          .where(and(inArray(scheduleClaims.runId, runIds), inArray(scheduleClaims.outcome, ['claimed'])));
        await tx.delete(checkLeases).where(inArray(checkLeases.runId, runIds));
        return { runIds, resultIds: results.map((r) => r.id) };
      });
    },
  };
}
