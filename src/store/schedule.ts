/**
 * Scheduler claims: one row per (check, slot). The replica whose INSERT wins runs the slot; every
 * other replica's INSERT does nothing, so a slot runs once however many replicas compute it.
 */
import { and, asc, eq, gte, inArray } from 'drizzle-orm';
import type { StateDb } from './database.js';
import { scheduleClaims } from './schema.js';

export type ClaimRecord = typeof scheduleClaims.$inferSelect;
export type ClaimOutcome = 'claimed' | 'ran' | 'skipped' | 'aborted';

export interface SlotClaim { checkId: string; slot: Date; claimedBy: string; claimedAt: Date }

/** Schedule-claim queries over the drizzle state database. */
export function scheduleQueries(db: StateDb) {
  return {
    /** True when this caller won the slot (INSERT … ON CONFLICT DO NOTHING RETURNING). */
    async claimSlot(claim: SlotClaim): Promise<boolean> {
      const rows = await db.insert(scheduleClaims).values({ ...claim, outcome: 'claimed' })
        .onConflictDoNothing({ target: [scheduleClaims.checkId, scheduleClaims.slot] })
        .returning({ checkId: scheduleClaims.checkId });
      return rows.length === 1;
    },

    /** Takes over a slot whose run was aborted (its replica died); exactly one caller wins. */
    async reclaimAbortedSlot(claim: SlotClaim): Promise<boolean> {
      const rows = await db.update(scheduleClaims)
        .set({ claimedBy: claim.claimedBy, claimedAt: claim.claimedAt, outcome: 'claimed', runId: null })
        .where(and(eq(scheduleClaims.checkId, claim.checkId), eq(scheduleClaims.slot, claim.slot), eq(scheduleClaims.outcome, 'aborted')))
        .returning({ checkId: scheduleClaims.checkId });
      return rows.length === 1;
    },

    async claimOf(checkId: string, slot: Date): Promise<ClaimRecord | undefined> {
      const [row] = await db.select().from(scheduleClaims).where(and(eq(scheduleClaims.checkId, checkId), eq(scheduleClaims.slot, slot)));
      return row;
    },

    /** Records the run serving a claim, or how the claim ended. Only the claimer may. */
    async updateClaim(checkId: string, slot: Date, claimedBy: string, change: { runId?: string; outcome?: ClaimOutcome }): Promise<void> {
      await db.update(scheduleClaims).set(change)
        .where(and(eq(scheduleClaims.checkId, checkId), eq(scheduleClaims.slot, slot), eq(scheduleClaims.claimedBy, claimedBy)));
    },

    /** Claims in slot order, optionally for some checks and from a slot on. */
    async listClaims(filter: { checkIds?: string[]; since?: Date } = {}): Promise<ClaimRecord[]> {
      return db.select().from(scheduleClaims)
        .where(and(
          filter.checkIds ? inArray(scheduleClaims.checkId, filter.checkIds) : undefined,
          filter.since ? gte(scheduleClaims.slot, filter.since) : undefined,
        ))
        .orderBy(asc(scheduleClaims.slot), asc(scheduleClaims.checkId));
    },
  };
}
