/**
 * Pruning parity's own history. Every query deletes at most `limit` rows per call (short
 * transactions, short locks) and returns how many it deleted. What a gate answer rests on is never
 * deleted: per check, the result whose reading began last (the judged one), any result that could
 * deny it (one that finished after it began reading, or has not finished), and the newest result
 * under each definition hash.
 */
import { and, eq, inArray, isNotNull, lt, notInArray, sql } from 'drizzle-orm';
import type { StateDb } from './database.js';
import { aliasColumns, evidenceBegan } from './evidence-began.js';
import { checkResults, gateDecisions, maintenanceClaims, resultSamples, runs, scheduleClaims } from './schema.js';

/** When a result's evidence began, exactly as the gate judges it (a resumed scan's from its first chunks). */
const began = (alias: string) => evidenceBegan(aliasColumns(alias));

/** Retention queries over the drizzle state database. */
export function retentionQueries(db: StateDb) {
  return {
    /** True when this caller won the (task, slot) pass; every other replica's INSERT does nothing. */
    async claimMaintenance(claim: { task: string; slot: Date; claimedBy: string; claimedAt: Date }): Promise<boolean> {
      const rows = await db.insert(maintenanceClaims).values(claim).onConflictDoNothing({ target: [maintenanceClaims.task, maintenanceClaims.slot] })
        .returning({ task: maintenanceClaims.task });
      return rows.length === 1;
    },

    /** Records what the claimed pass did. Only the claimer may. */
    async finishMaintenance(task: string, slot: Date, claimedBy: string, finishedAt: Date, report: Record<string, unknown>): Promise<void> {
      await db.update(maintenanceClaims).set({ finishedAt, report })
        .where(and(eq(maintenanceClaims.task, task), eq(maintenanceClaims.slot, slot), eq(maintenanceClaims.claimedBy, claimedBy)));
    },

    /** Claims of housekeeping passes, newest slot first (tests, audits). */
    async listMaintenance(task: string) {
      return db.select().from(maintenanceClaims).where(eq(maintenanceClaims.task, task)).orderBy(sql`${maintenanceClaims.slot} desc`);
    },

    /** Deletes finished housekeeping claims of slots before `before`. */
    async pruneMaintenanceClaims(before: Date, limit: number): Promise<number> {
      const doomed = db.select({ task: maintenanceClaims.task, slot: maintenanceClaims.slot }).from(maintenanceClaims)
        .where(and(lt(maintenanceClaims.slot, before), isNotNull(maintenanceClaims.finishedAt))).limit(limit);
      const deleted = await db.delete(maintenanceClaims)
        .where(sql`(${maintenanceClaims.task}, ${maintenanceClaims.slot}) in (${doomed})`)
        .returning({ task: maintenanceClaims.task });
      return deleted.length;
    },

    /**
     * Deletes results (with their samples) that finished before `before` and that no gate answer can
     * depend on: each finished before its check's newest result began reading, and is not the newest
     * under its definition hash.
     */
    async pruneResults(before: Date, limit: number): Promise<number> {
      const doomed = sql`select "r"."id" from ${checkResults} as "r" where
        "r"."finished_at" is not null and "r"."finished_at" < ${before.toISOString()}::timestamptz
        and "r"."finished_at" < (select max(${began('n')}) from ${checkResults} as "n" where "n"."check_id" = "r"."check_id")
        and exists (select 1 from ${checkResults} as "d" where "d"."check_id" = "r"."check_id"
          and "d"."definition_hash" = "r"."definition_hash" and ${began('d')} > ${began('r')})
        limit ${limit}`;
      const deleted = await db.delete(checkResults).where(sql`${checkResults.id} in (${doomed})`).returning({ id: checkResults.id });
      return deleted.length;
    },

    /** Deletes the samples of results finished before `before`, except each check's newest result's (the status page shows them). */
    async pruneSamples(before: Date, limit: number): Promise<number> {
      const doomed = sql`select "r"."id" from ${checkResults} as "r" where
        "r"."finished_at" is not null and "r"."finished_at" < ${before.toISOString()}::timestamptz
        and exists (select 1 from ${resultSamples} as "s" where "s"."result_id" = "r"."id")
        and exists (select 1 from ${checkResults} as "n" where "n"."check_id" = "r"."check_id" and ${began('n')} > ${began('r')})
        limit ${limit}`;
      const deleted = await db.delete(resultSamples).where(sql`${resultSamples.resultId} in (${doomed})`).returning({ id: resultSamples.resultId });
      return new Set(deleted.map((d) => d.id)).size;
    },

    /** Deletes gate decisions last given before `before`. */
    async pruneGateDecisions(before: Date, limit: number): Promise<number> {
      const doomed = db.select({ id: gateDecisions.id }).from(gateDecisions).where(lt(gateDecisions.lastSeenAt, before)).limit(limit);
      const deleted = await db.delete(gateDecisions).where(inArray(gateDecisions.id, doomed)).returning({ id: gateDecisions.id });
      return deleted.length;
    },

    /** Deletes settled scheduler claims (ran, skipped, aborted) of slots before `before`; a claim still `claimed` may be running. */
    async pruneScheduleClaims(before: Date, limit: number): Promise<number> {
      const doomed = db.select({ checkId: scheduleClaims.checkId, slot: scheduleClaims.slot }).from(scheduleClaims)
        .where(and(lt(scheduleClaims.slot, before), notInArray(scheduleClaims.outcome, ['claimed']))).limit(limit);
      const deleted = await db.delete(scheduleClaims)
        .where(sql`(${scheduleClaims.checkId}, ${scheduleClaims.slot}) in (${doomed})`)
        .returning({ checkId: scheduleClaims.checkId });
      return deleted.length;
    },

    /** Deletes ended runs that finished before `before` and have no results left (results are pruned first). */
    async pruneRuns(before: Date, limit: number): Promise<number> {
      const doomed = db.select({ id: runs.id }).from(runs).where(and(
        lt(runs.finishedAt, before),
        inArray(runs.status, ['finished', 'cancelled', 'aborted']),
        sql`not exists (select 1 from ${checkResults} where ${checkResults.runId} = ${runs.id})`,
      )).limit(limit);
      const deleted = await db.delete(runs).where(inArray(runs.id, doomed)).returning({ id: runs.id });
      return deleted.length;
    },
  };
}
