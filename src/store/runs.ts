/** Queries for runs, check results and their samples. */
import { and, desc, eq, getTableColumns, inArray, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import type { FaultInfo, Sample } from '../results/outcome.js';
import type { StateDb } from './database.js';
import { checkLeases, checkResults, resultSamples, runs, type StatementRecord } from './schema.js';
import { ASYNC_COMMIT, rowsOf } from './async-commit.js';
import type { ServerIdentity } from '../results/server-identity.js';
import { databaseClock, type StoreClock } from './store-clock.js';

export type RunRecord = typeof runs.$inferSelect;
export type ResultRecord = typeof checkResults.$inferSelect & { samples?: Sample[] };
/** Every status a run passes through, in order. */
export const RUN_STATUSES = ['queued', 'running', 'finished', 'cancelled', 'aborted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
/** Statuses a run never leaves. */
export const TERMINAL_RUN_STATUSES: ReadonlySet<string> = new Set<RunStatus>(['finished', 'cancelled', 'aborted']);

export interface NewRun {
  id: string;
  trigger: string;
  requestedBy?: string | null;
  checkIds: string[];
  selector: Record<string, unknown>;
  createdAt: Date;
}

export interface NewResult {
  id: string;
  runId: string;
  checkId: string;
  kind: string;
  definitionHash: string;
  slot?: Date | null;
}

/** A check lease as the store holds it: the row `finishLeasedResult` releases with the result. */
export interface HeldLease { checkId: string; runId: string }

export interface FinishedResult {
  status: 'pass' | 'fail' | 'error';
  summary: string;
  observations: Record<string, unknown>;
  statements: StatementRecord[];
  error?: FaultInfo | null;
  /** Identity of each server read, by source name (empty when the check never reached one). */
  servers?: Record<string, ServerIdentity>;
  /** This replica's clock, for its own telemetry only; the store stamps the recorded time itself. */
  finishedAt: Date;
  durationMs: number;
  samples: Sample[];
}

/** A sample side as stored: SQL NULL when absent, the jsonb value null when the data was NULL. */
function jsonSide(sample: Sample, side: 'old' | 'new') {
  if (!(side in sample)) return null;
  const value = sample[side];
  return value === null || value === undefined ? sql`'null'::jsonb` : value;
}

/** A value bound for a jsonb column (SQL NULL for null), as drizzle's jsonb columns write it. */
const jsonb = (value: unknown) => (value === null ? sql`null` : sql`${JSON.stringify(value)}::jsonb`);

/** Run and result queries over the drizzle state database; result times come from the store's clock. */
export function runQueries(db: StateDb, clock: StoreClock = databaseClock) {
  async function samplesFor(resultIds: string[]): Promise<Map<string, Sample[]>> {
    const bySample = new Map<string, Sample[]>();
    if (resultIds.length === 0) return bySample;
    // SQL NULL means "this sample has no such side"; the JSON value null (a NULL in the data) is kept.
    const rows = await db.select({
      ...getTableColumns(resultSamples),
      hasOld: sql<boolean>`${resultSamples.old} is not null`,
      hasNew: sql<boolean>`${resultSamples.new} is not null`,
    }).from(resultSamples).where(inArray(resultSamples.resultId, resultIds)).orderBy(resultSamples.resultId, resultSamples.ordinal);
    for (const row of rows) {
      const list = bySample.get(row.resultId) ?? [];
      const sample: Sample = { category: row.category as Sample['category'], key: row.key as Sample['key'] };
      if (row.hasOld) sample.old = (row.old ?? null) as Sample['old'];
      if (row.hasNew) sample.new = (row.new ?? null) as Sample['new'];
      if (row.detail !== null) sample.detail = row.detail as Sample['detail'];
      list.push(sample);
      bySample.set(row.resultId, list);
    }
    return bySample;
  }

  async function withSamples(results: ResultRecord[]): Promise<ResultRecord[]> {
    const samples = await samplesFor(results.map((r) => r.id));
    return results.map((r) => ({ ...r, samples: samples.get(r.id) ?? [] }));
  }

  /**
   * Writes an outcome and its samples; undefined when no row was written (no such running result,
   * or `lease.held` was false). One statement when there are no samples, else one transaction.
   */
  async function writeOutcome(id: string, done: FinishedResult, lease?: { release: SQL; held: SQL }): Promise<Date | undefined> {
    const update = (q: StateDb) => q.execute(sql`${lease?.release ?? sql``}
      update ${checkResults} set "status" = ${done.status}, "summary" = ${done.summary}, "observations" = ${jsonb(done.observations)},
        "statements" = ${jsonb(done.statements)}, "error" = ${jsonb(done.error ?? null)}, "servers" = ${jsonb(done.servers ?? {})},
        "finished_at" = ${clock()}, "duration_ms" = ${Math.round(done.durationMs)}
      where ${checkResults.id} = ${id}${lease ? sql` and ${lease.held}` : sql``}
      returning ${checkResults.finishedAt} as "finished_at"`);
    const finished = (result: unknown) => {
      const at = rowsOf<{ finished_at: Date | string }>(result)[0]?.finished_at;
      return at === undefined ? undefined : new Date(at);
    };
    if (done.samples.length === 0) return finished(await update(db));
    return db.transaction(async (tx) => {
      const at = finished(await update(tx as unknown as StateDb));
      if (at === undefined) return undefined;
      await tx.insert(resultSamples).values(done.samples.map((s, ordinal) => ({
        resultId: id, ordinal, category: s.category, key: s.key, old: jsonSide(s, 'old'), new: jsonSide(s, 'new'), detail: s.detail ?? null,
      })));
      return at;
    });
  }

  return {
    async createRun(run: NewRun): Promise<RunRecord> {
      const [row] = await db.insert(runs).values({ ...run, requestedBy: run.requestedBy ?? null, status: 'queued' }).returning();
      return row!;
    },

    async startRun(id: string, owner: string, at: Date): Promise<void> {
      await db.update(runs).set({ status: 'running', owner, startedAt: at, heartbeatAt: at }).where(eq(runs.id, id));
    },

    async heartbeatRun(id: string, at: Date): Promise<void> {
      await db.update(runs).set({ heartbeatAt: at }).where(and(eq(runs.id, id), eq(runs.status, 'running')));
    },

    async requestCancel(id: string, at: Date): Promise<RunRecord | undefined> {
      const [row] = await db.update(runs).set({ cancelRequestedAt: at }).where(and(eq(runs.id, id), inArray(runs.status, ['queued', 'running']))).returning();
      return row;
    },

    async finishRun(id: string, status: RunStatus, summary: RunRecord['summary'], at: Date): Promise<void> {
      await db.update(runs).set({ status, summary, finishedAt: at }).where(eq(runs.id, id));
    },

    /** Records a result as running, stamped by the store's clock (it may still wait for its lease). */
    async startResult(result: NewResult): Promise<void> {
      // Committed without waiting for the WAL flush: the result's own commit flushes it (async-commit.ts).
      await db.execute(sql`${ASYNC_COMMIT}
        insert into ${checkResults} ("id", "run_id", "check_id", "kind", "definition_hash", "slot", "status", "started_at")
        select ${result.id}, ${result.runId}, ${result.checkId}, ${result.kind}, ${result.definitionHash}, ${result.slot?.toISOString() ?? null}::timestamptz, 'running', ${clock()}
        from async_commit`);
    },

    /** Stamps (store clock) the moment the check began reading, after it got its lease; flushed with the result (async-commit.ts). */
    async markReading(id: string): Promise<void> {
      await db.execute(sql`${ASYNC_COMMIT}
        update ${checkResults} set "read_at" = ${clock()} from async_commit where ${checkResults.id} = ${id} and ${checkResults.status} = 'running'`);
    },

    /** Writes the outcome and its samples atomically (a result is never half-recorded); resolves with the store-stamped finish time. */
    async finishResult(id: string, done: FinishedResult): Promise<Date> {
      return (await writeOutcome(id, done)) ?? done.finishedAt;
    },

    /**
     * Records the outcome of a check executed under its store lease and releases that lease, in one
     * transaction — only while the lease is still this run's: a lease lost (taken over, reaped, or
     * gone with a store crash) records nothing and answers `lease_lost`, and the caller records a
     * fault instead. One commit, the one that waits for the WAL flush, per check.
     */
    async finishLeasedResult(id: string, done: FinishedResult, lease: HeldLease): Promise<Date | 'lease_lost'> {
      const held = sql`exists (select 1 from released)`;
      const release = sql`with released as (delete from ${checkLeases} where ${checkLeases.checkId} = ${lease.checkId} and ${checkLeases.runId} = ${lease.runId} returning 1)`;
      return (await writeOutcome(id, done, { release, held })) ?? 'lease_lost';
    },

    async getRun(id: string): Promise<(RunRecord & { results: ResultRecord[] }) | undefined> {
      const [run] = await db.select().from(runs).where(eq(runs.id, id));
      if (!run) return undefined;
      const results = await db.select().from(checkResults).where(eq(checkResults.runId, id)).orderBy(checkResults.startedAt, checkResults.checkId);
      return { ...run, results: await withSamples(results) };
    },

    async listRuns(limit: number, before?: Date): Promise<RunRecord[]> {
      return db.select().from(runs).where(before ? lt(runs.createdAt, before) : undefined).orderBy(desc(runs.createdAt)).limit(limit);
    },

    async getResult(id: string): Promise<ResultRecord | undefined> {
      const [row] = await db.select().from(checkResults).where(eq(checkResults.id, id));
      return row ? (await withSamples([row]))[0] : undefined;
    },

    /** A check's results, newest first. */
    async checkHistory(checkId: string, limit: number): Promise<ResultRecord[]> {
      const rows = await db.select().from(checkResults).where(eq(checkResults.checkId, checkId))
        .orderBy(sql`${checkResults.finishedAt} desc nulls first`, desc(checkResults.startedAt)).limit(limit);
      return withSamples(rows);
    },

    /** The newest finished result of each check (what a gate judges), with samples. */
    async latestFinished(checkIds: string[]): Promise<Map<string, ResultRecord>> {
      if (checkIds.length === 0) return new Map();
      const rows = await db.selectDistinctOn([checkResults.checkId]).from(checkResults)
        .where(and(inArray(checkResults.checkId, checkIds), isNotNull(checkResults.finishedAt)))
        .orderBy(checkResults.checkId, desc(checkResults.finishedAt));
      return new Map((await withSamples(rows)).map((r) => [r.checkId, r]));
    },

    /**
     * An incremental check's finished results, newest first (by the store's finish time), back to and
     * including its newest full pass (`observations.incremental.mode = 'full'`); empty when it has none.
     * Every result in between is returned, whatever its status or definition, so the chain judge sees
     * each link that could break it.
     */
    async incrementalChain(checkId: string): Promise<{ resultId: string; status: string; definitionHash: string; incremental: Record<string, unknown> | null; coverage: Record<string, unknown> | null; servers: Record<string, ServerIdentity> }[]> {
      const fullAt = sql`(select max(f.finished_at) from ${checkResults} as f
        where f.check_id = ${checkId} and f.finished_at is not null and f.observations->'incremental'->>'mode' = 'full')`;
      const rows = await db.select({
        resultId: checkResults.id, status: checkResults.status, definitionHash: checkResults.definitionHash, servers: checkResults.servers,
        incremental: sql<Record<string, unknown> | null>`${checkResults.observations}->'incremental'`,
        coverage: sql<Record<string, unknown> | null>`${checkResults.observations}->'coverage'`,
      }).from(checkResults)
        .where(and(eq(checkResults.checkId, checkId), isNotNull(checkResults.finishedAt), sql`${checkResults.finishedAt} >= ${fullAt}`))
        .orderBy(desc(checkResults.finishedAt), desc(checkResults.id));
      const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) as Record<string, unknown> : (v as Record<string, unknown> | null) ?? null);
      return rows.map((r) => ({ ...r, incremental: json(r.incremental), coverage: json(r.coverage) }));
    },

    /** Checks that have a result still running. */
    async runningChecks(checkIds: string[]): Promise<Set<string>> {
      if (checkIds.length === 0) return new Set();
      const rows = await db.selectDistinct({ checkId: checkResults.checkId }).from(checkResults)
        .where(and(inArray(checkResults.checkId, checkIds), eq(checkResults.status, 'running')));
      return new Set(rows.map((r) => r.checkId));
    },
  };
}
