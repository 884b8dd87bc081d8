/** Queries behind the gates: the newest result of each check, and the record of every decision. */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { FaultInfo } from '../results/fault.js';
import type { StateDb } from './database.js';
import { checkResults, gateDecisions } from './schema.js';

export type GateDecisionRecord = typeof gateDecisions.$inferSelect;
export type NewGateDecision = typeof gateDecisions.$inferInsert;

/** The gate's view of a result (running ones included): enough to judge it, without samples. */
export interface GateResultRow {
  resultId: string;
  checkId: string;
  /** running | pass | fail | error (anything else is treated as not a pass). */
  status: string;
  definitionHash: string;
  startedAt: Date;
  finishedAt: Date | null;
  summary: string | null;
  /** The fault of an `error` result, phrased by the gate from its code and message. */
  error: FaultInfo | null;
  /** The result rests on a planner estimate (row_count estimate: true), not on counted rows. */
  estimated: boolean;
}

/** Gate queries over the drizzle state database. */
export function gateQueries(db: StateDb) {
  return {
    /**
     * The newest result of each check by start time — a still-running one included, because it is
     * newer evidence. On a start-time tie an unfinished result, then the later-finished one, wins.
     */
    async latestResultsForGate(checkIds: string[]): Promise<Map<string, GateResultRow>> {
      if (checkIds.length === 0) return new Map();
      const rows = await db.selectDistinctOn([checkResults.checkId], {
        resultId: checkResults.id,
        checkId: checkResults.checkId,
        status: checkResults.status,
        definitionHash: checkResults.definitionHash,
        startedAt: checkResults.startedAt,
        finishedAt: checkResults.finishedAt,
        summary: checkResults.summary,
        error: checkResults.error,
        estimated: sql<boolean>`coalesce((${checkResults.observations}->>'estimated')::boolean, false)`,
      }).from(checkResults)
        .where(inArray(checkResults.checkId, checkIds))
        .orderBy(checkResults.checkId, desc(checkResults.startedAt), sql`${checkResults.finishedAt} desc nulls first`, desc(checkResults.id));
      return new Map(rows.map((r) => [r.checkId, r]));
    },

    async recordGateDecision(decision: NewGateDecision): Promise<GateDecisionRecord> {
      const [row] = await db.insert(gateDecisions).values(decision).returning();
      return row!;
    },

    /** A migration's decisions, newest first, optionally for one phase. */
    async listGateDecisions(migrationId: string, options: { limit: number; phase?: string | undefined }): Promise<GateDecisionRecord[]> {
      return db.select().from(gateDecisions)
        .where(and(eq(gateDecisions.migrationId, migrationId), options.phase ? eq(gateDecisions.phase, options.phase) : undefined))
        .orderBy(desc(gateDecisions.evaluatedAt), desc(gateDecisions.id))
        .limit(options.limit);
    },
  };
}
