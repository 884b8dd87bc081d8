/** Queries behind the gates: the newest result of each check, and the record of every decision. */
import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { FaultInfo } from '../results/fault.js';
import type { ReplicaLag } from '../results/replica-lag.js';
import type { StateDb } from './database.js';
import { checkResults, gateDecisions } from './schema.js';
import { databaseClock, type StoreClock } from './store-clock.js';
import { aliasColumns, evidenceBegan, resumedSince } from './evidence-began.js';
import { serverKey, type ServerKey } from './server-key.js';

export type GateDecisionRecord = typeof gateDecisions.$inferSelect;
export type NewGateDecision = typeof gateDecisions.$inferInsert;

/** Repeats of one recorded decision, counted in memory and added in a batch. */
export interface GateDecisionRepeats { id: string; count: number; lastSeenAt: Date }

/** Another result of the same check whose outcome was not a pass and whose reading overlapped or followed the judged one's. */
export interface LaterNonPass {
  resultId: string;
  /** running | fail | error | … */
  status: string;
  finishedAt: Date | null;
}

/** A result, of any check reading the same source, that read that source as another server after the judged one began reading. */
export interface LaterServer {
  resultId: string;
  checkId: string;
  /** The judged result's name for the source. */
  source: string;
  /** The name the witness read it by (another name for the same target, or the same). */
  readAs: string;
  /** The server that result read. */
  server: ServerKey;
}

/**
 * A check whose results tell which server a source reaches: every check of the current catalog
 * that reads `source` — under that name, or under `readAs`, another source name whose URL resolves
 * to the same target (one server behind both) — with its current definition hash (the hash covers
 * the source's target, so results under it were meant to read the same database).
 */
export interface SourceWitness {
  source: string; readAs: string; checkId: string; hash: string;
  /**
   * Where `source`'s URL reaches now (checkfile/reach-key.ts): a result of any check, current or
   * not, that recorded reading a source under this key is a witness too. A check edited, deleted
   * or renamed since leaves what the URL reaches as it was; another catalog's source of the same
   * name that reaches elsewhere has another key. Absent: only the checks above are witnesses.
   */
  target?: string | undefined;
}

/** The gate's view of a result (running ones included): enough to judge it, without samples. */
export interface GateResultRow {
  resultId: string;
  checkId: string;
  /** running | pass | fail | error (anything else is treated as not a pass). */
  status: string;
  definitionHash: string;
  /** Store clock: the row was written (before the lease wait). */
  startedAt: Date;
  /** Store clock: reading began (after the lease); null if it never did. */
  readAt?: Date | null;
  /** Store clock: the outcome was written. */
  finishedAt: Date | null;
  /**
   * Store clock: when the interrupted run this result resumed began its chunks (its oldest
   * counts); absent when the result was read in one go.
   */
  resumedSince?: Date | null;
  /**
   * observations.resumed_from.read_under: by source, the worst replica lag the resumed chunks were
   * read under (unvalidated: the gate judges it); absent when nothing was resumed or none was recorded.
   */
  resumedReadUnder?: unknown;
  /**
   * Evidence a pass was reached without (an `unused` check with `evidence: catalog` reads no
   * statement statistics): the gate shows it beside the pass; empty when nothing was left out.
   */
  evidenceNotRead?: string[];
  summary: string | null;
  /** The fault of an `error` result, phrased by the gate from its code and message. */
  error: FaultInfo | null;
  /** The result rests on a planner estimate (row_count estimate: true), not on counted rows. */
  estimated: boolean;
  /** The result rests on a sample drawn from a seed the check file fixed (shadow_read sample.seed). */
  fixedSeed?: boolean;
  /** An incremental check's pass (observations.incremental and .coverage); absent for other checks. */
  incremental?: { mode: string; lowerBound: string | null; coverage: { full_pass_at?: string; incremental_passes?: number; unbroken?: boolean; last_at?: string | null } | null } | null;
  /** Set when a non-pass result ended (or has not ended) after this one began reading: it denies. */
  laterNonPass?: LaterNonPass | null;
  /** The server each source was, by source name (server-key.ts); absent or empty when none was recorded. */
  servers?: Record<string, ServerKey> | null;
  /** How each source was read, by source name: how far behind its primary, and with what privileges (absent where nothing was recorded). */
  readUnder?: Record<string, { in_recovery: boolean | null; replica_lag: ReplicaLag | null; privilege_warnings?: string[] | null }> | null;
  /** Set when a witness read one of this result's sources as another server after this one began reading: it denies. */
  laterServer?: LaterServer | null;
}

/** What a gate judges: each check's newest result and the store's clock reading, from one statement. */
export interface GateEvidence {
  /** The store's clock when the evidence was read; freshness is measured against it. */
  now: Date;
  latest: Map<string, GateResultRow>;
}

const EPOCH_MS = (column: unknown) => sql<number | null>`(extract(epoch from ${column}) * 1000)::float8`;
const toDate = (ms: unknown): Date | null => (ms === null || ms === undefined ? null : new Date(Number(ms)));

/**
 * The id of each check's judged result: the one whose reading began last; on a tie an unfinished
 * one, then the later-finished (the order gateEvidence also sorts by). One pass over the checks'
 * results.
 */
function judgedIds(checkIds: string[]): SQL {
  const j = aliasColumns('j');
  return sql`select distinct on (j.check_id) j.id from ${checkResults} as j where j.check_id in (${sql.join(checkIds.map((id) => sql`${id}`), sql`, `)})
    order by j.check_id, ${evidenceBegan(j)} desc, j.finished_at desc nulls first, j.id desc`;
}

/** The fields of a recorded identity that serverKey reads: readings alike in these are one server. */
const KEY_FIELDS = ['system_identifier', 'timeline', 'database_oid', 'database', 'address', 'port', 'postmaster_started', 'embedded_id', 'data_dir'] as const;

/**
 * Each source's readings as a few entries (a jsonb array, `[{id, check_id, source, read_as,
 * server, began}]`), from `readings` (a query of id, check_id, source, read_as, identity, began):
 * per source and identity — compared by the fields serverKey reads, not by the whole identity,
 * which also records the lag each reading saw — only the newest reading; the judged results' own
 * readings each on their own, so that "another result than the judged one" stays exact.
 */
function newestReadings(readings: SQL, judged: SQL): SQL {
  const fields = KEY_FIELDS.map((field) => sql.raw(`identity->'${field}'`));
  const sameFields = sql.join(KEY_FIELDS.map((field) => sql.raw(`n.identity->'${field}' is not distinct from g.identity->'${field}'`)), sql` and `);
  return sql`(with r as materialized (select q.*, q.id in (${judged}) as judged from (${readings}) as q),
    g as (select source, min(identity::text)::jsonb as identity, max(began) as newest from r where not judged group by source, ${sql.join(fields, sql`, `)})
    select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'check_id', x.check_id, 'source', x.source, 'read_as', x.read_as, 'server', ${serverKey(sql`x.identity`)}, 'began', x.began)), '[]'::jsonb)
    from (select n.id, n.check_id, n.source, n.read_as, n.identity, n.began from g
        cross join lateral (select n.* from r as n where not n.judged and n.source = g.source and n.began = g.newest and ${sameFields} order by n.id desc limit 1) as n
      union all select id, check_id, source, read_as, identity, began from r where judged) as x)`;
}

/**
 * A witness result that began reading at or after the judged one (a tie counts, as for
 * non-passes) and read one of its sources as another server: the source has been re-pointed (DNS,
 * a pooler, a database renamed over the name) since the judged evidence was read. Witnesses are
 * the results of current checks reading the source under their current hash and, failing those,
 * results of any check that recorded reading a source under the key of where the judged source's
 * URL reaches now (its `target`): a reading stays evidence of what the URL reaches when the check
 * that took it is edited, deleted or renamed.
 *
 * The readings are gathered once per statement, not once per judged result and witness check:
 * uncorrelated subqueries (InitPlans) scan the witnesses' results since the oldest judged result
 * began and keep, per source and server, the newest reading (newestReadings). Each judged result
 * then only picks, among those few, the newest of another server that began at or after it did.
 */
function laterServer(checkIds: string[], began: SQL, witnesses: readonly SourceWitness[]): SQL<unknown> {
  if (witnesses.length === 0) return sql`null::jsonb`.mapWith(checkResults.observations);
  const o = aliasColumns('o');
  const j = aliasColumns('j');
  const judged = judgedIds(checkIds);
  const since = sql`(select min(${evidenceBegan(j)}) from ${checkResults} as j where j.id in (${judged}))`;
  const after = sql`o.finished_at >= ${since} and ${evidenceBegan(o)} >= ${since}`;
  const rows = sql.join(witnesses.map((w) => sql`(${w.source}::text, ${w.readAs}::text, ${w.checkId}::text, ${w.hash}::text)`), sql`, `);
  const byCheck = newestReadings(sql`select o.id, o.check_id, w.source, w.read_as, o.servers -> w.read_as as identity, ${evidenceBegan(o)} as began
    from ${checkResults} as o
    join (values ${rows}) as w(source, read_as, check_id, hash) on o.check_id = w.check_id and o.definition_hash = w.hash
    where ${after} and (o.servers -> w.read_as) is not null`, judged);
  const reached = [...new Map(witnesses.flatMap((w) => (w.target === undefined ? [] : [[w.source, w.target] as const]))).entries()];
  // Results of current witness definitions are left to the search above: a definition's hash
  // covers its sources' targets, so each reading it records under this key is under a name that
  // search already compares. Only results of definitions since edited, deleted or renamed (or of
  // other catalogs) have their servers opened; a result of a current one costs a hash lookup.
  const byTarget = reached.length === 0 ? sql`'[]'::jsonb` : newestReadings(sql`select o.id, o.check_id, t.source, r.key as read_as, r.value as identity, ${evidenceBegan(o)} as began
    from ${checkResults} as o
    cross join lateral jsonb_each(o.servers) as r(key, value)
    join (values ${sql.join(reached.map(([source, target]) => sql`(${source}::text, ${target}::text)`), sql`, `)}) as t(source, target) on r.value->>'target' = t.target
    where ${after} and (o.check_id, o.definition_hash) not in (select w.check_id, w.hash from (values ${rows}) as w(source, read_as, check_id, hash))`, judged);
  // Per judged result: the newest reading of one of its sources, by another result, as another server.
  const pick = (readings: SQL) => sql`(select jsonb_build_object('id', e->>'id', 'check_id', e->>'check_id', 'source', e->>'source', 'read_as', e->>'read_as', 'server', e->'server')
    from jsonb_array_elements(${readings}) as e
    where e->>'id' <> ${checkResults.id} and (e->>'began')::timestamptz >= ${began}
      and (${checkResults.servers} -> (e->>'source')) is not null and e->'server' <> ${serverKey(sql`${checkResults.servers} -> (e->>'source')`)}
    order by (e->>'began')::timestamptz desc, e->>'id' desc limit 1)`;
  return sql`coalesce(${pick(byCheck)}, ${pick(byTarget)})`.mapWith(checkResults.observations);
}

/** Gate queries over the drizzle state database; `clock` is the store's clock (see store-clock.ts). */
export function gateQueries(db: StateDb, clock: StoreClock = databaseClock) {
  async function gateEvidence(checkIds: string[], witnesses: readonly SourceWitness[] = []): Promise<GateEvidence> {
    if (checkIds.length === 0) {
      const [row] = await db.select({ now: EPOCH_MS(clock()) }).from(sql`(select 1) as one`);
      return { now: toDate(row?.now)!, latest: new Map() };
    }
    // When reading began (evidence-began.ts; retention keeps results by the same moment).
    const began = evidenceBegan(checkResults);
    // One statement: the store's clock is read in it (a LEFT JOIN keeps it when there are no results),
    // so every stamp it sees was written before `now`.
    const rows = await db.select({
      now: EPOCH_MS(sql`clock.at`),
      resultId: checkResults.id,
      checkId: checkResults.checkId,
      status: checkResults.status,
      definitionHash: checkResults.definitionHash,
      startedAt: EPOCH_MS(checkResults.startedAt),
      readAt: EPOCH_MS(checkResults.readAt),
      finishedAt: EPOCH_MS(checkResults.finishedAt),
      resumedSince: EPOCH_MS(resumedSince(checkResults)),
      resumedReadUnder: sql<unknown>`${checkResults.observations}->'resumed_from'->'read_under'`.mapWith(checkResults.observations),
      summary: checkResults.summary,
      error: checkResults.error,
      estimated: sql<boolean>`coalesce((${checkResults.observations}->>'estimated')::boolean, false)`,
      fixedSeed: sql<boolean>`coalesce((${checkResults.observations}->>'seed_fixed')::boolean, false)`,
      evidenceNotRead: sql<unknown>`${checkResults.observations}->'evidence_not_read'`.mapWith(checkResults.observations),
      incremental: sql<Record<string, unknown> | null>`case when ${checkResults.observations}->'incremental' is not null then jsonb_build_object(
        'mode', ${checkResults.observations}->'incremental'->>'mode', 'lowerBound', ${checkResults.observations}->'incremental'->>'lower_bound',
        'coverage', ${checkResults.observations}->'coverage') end`.mapWith(checkResults.observations),
      // Fail-closed: any non-pass whose reading ended after this one's began (or has not ended) denies.
      // A tie counts as after: stamps that equal (PGlite's clock ticks in milliseconds) cannot say
      // which came first, and a fail that may have ended after the pass began reading must deny.
      laterNonPass: sql<{ id: string; status: string; finished_ms: number | null } | null>`(
        select jsonb_build_object('id', o.id, 'status', o.status, 'finished_ms', (extract(epoch from o.finished_at) * 1000)::float8)
        from ${checkResults} as o
        where o.check_id = ${checkResults.checkId} and o.id <> ${checkResults.id} and o.status <> 'pass'
          and (o.finished_at is null or o.finished_at >= ${began})
        order by o.finished_at desc nulls first, o.id desc limit 1)`.mapWith(checkResults.observations),
      servers: sql<Record<string, ServerKey> | null>`(select jsonb_object_agg(s.key, ${serverKey(sql`s.value`)}) from jsonb_each(${checkResults.servers}) as s)`.mapWith(checkResults.observations),
      readUnder: sql<Record<string, unknown> | null>`(select jsonb_object_agg(s.key, jsonb_build_object('in_recovery', s.value->'in_recovery', 'replica_lag', s.value->'replica_lag', 'privilege_warnings', s.value->'privilege_warnings'))
        from jsonb_each(${checkResults.servers}) as s)`.mapWith(checkResults.observations),
      laterServer: laterServer(checkIds, began, witnesses),
    }).from(sql`(select ${clock()} as at) as clock`)
      // Only each check's judged result is joined: its subqueries (opposing outcomes, servers) then
      // run once per required check, not once per result in the check's history.
      .leftJoin(checkResults, and(inArray(checkResults.checkId, checkIds), sql`${checkResults.id} in (${judgedIds(checkIds)})`))
      // The judged result: the one whose reading began last; on a tie an unfinished one, then the later-finished.
      .orderBy(checkResults.checkId, desc(began), sql`${checkResults.finishedAt} desc nulls first`, desc(checkResults.id));
    const latest = new Map<string, GateResultRow>();
    for (const row of rows) {
      if (row.checkId === null || latest.has(row.checkId)) continue;
      const later = row.laterNonPass as { id: string; status: string; finished_ms: number | null } | null;
      const otherServer = row.laterServer as { id: string; check_id: string; source: string; read_as?: string; server: ServerKey } | null;
      latest.set(row.checkId, {
        resultId: row.resultId!, checkId: row.checkId, status: row.status!, definitionHash: row.definitionHash!,
        startedAt: toDate(row.startedAt)!, readAt: toDate(row.readAt), finishedAt: toDate(row.finishedAt),
        resumedSince: toDate(row.resumedSince),
        resumedReadUnder: row.resumedReadUnder ?? null,
        evidenceNotRead: Array.isArray(row.evidenceNotRead) ? row.evidenceNotRead.filter((e): e is string => typeof e === 'string') : [],
        summary: row.summary, error: row.error, estimated: row.estimated, fixedSeed: row.fixedSeed,
        incremental: (row.incremental as GateResultRow['incremental']) ?? null,
        laterNonPass: later ? { resultId: later.id, status: later.status, finishedAt: toDate(later.finished_ms) } : null,
        servers: (row.servers as Record<string, ServerKey> | null) ?? null,
        readUnder: (row.readUnder as GateResultRow['readUnder']) ?? null,
        laterServer: otherServer ? { resultId: otherServer.id, checkId: otherServer.check_id, source: otherServer.source, readAs: otherServer.read_as ?? otherServer.source, server: otherServer.server } : null,
      });
    }
    return { now: toDate(rows[0]?.now)!, latest };
  }

  return {
    /** Each check's judged result and the store's clock, read in one statement (see docs/gates.md). */
    gateEvidence,

    /** The judged result of each check (running ones included), without the clock reading. */
    async latestResultsForGate(checkIds: string[], witnesses: readonly SourceWitness[] = []): Promise<Map<string, GateResultRow>> {
      return (await gateEvidence(checkIds, witnesses)).latest;
    },

    /** Records a decision given for the first time (last_seen_at defaults to evaluated_at). */
    async recordGateDecision(decision: Omit<NewGateDecision, 'lastSeenAt'> & { lastSeenAt?: Date }): Promise<GateDecisionRecord> {
      const [row] = await db.insert(gateDecisions).values({ ...decision, lastSeenAt: decision.lastSeenAt ?? decision.evaluatedAt }).returning();
      return row!;
    },

    /**
     * Writes the decision and takes the write back: proves the store would record it now (grants,
     * a read-only or full store, the row's own values), for readings of a verdict that are not
     * answers (the gauge, previews) and must not say "allowed" when an answer could not be given.
     */
    async probeGateDecision(decision: Omit<NewGateDecision, 'lastSeenAt'>): Promise<void> {
      const undo = new Error('probe: take the decision back');
      try {
        await db.transaction(async (tx) => {
          await tx.insert(gateDecisions).values({ ...decision, lastSeenAt: decision.evaluatedAt });
          throw undo;
        });
      } catch (error) {
        if (error !== undo) throw error;
      }
    },

    /**
     * Adds repeats of decisions already recorded (the same answer on the same evidence, given again);
     * resolves with the ids that still exist (retention may have pruned the others).
     */
    async addGateDecisionRepeats(repeats: readonly GateDecisionRepeats[]): Promise<Set<string>> {
      if (repeats.length === 0) return new Set();
      return db.transaction(async (tx) => {
        const found = new Set<string>();
        for (const r of repeats) {
          const rows = await tx.update(gateDecisions)
            .set({ repeatCount: sql`${gateDecisions.repeatCount} + ${r.count}`, lastSeenAt: sql`greatest(${gateDecisions.lastSeenAt}, ${r.lastSeenAt.toISOString()}::timestamptz)` })
            .where(eq(gateDecisions.id, r.id)).returning({ id: gateDecisions.id });
          if (rows.length > 0) found.add(r.id);
        }
        return found;
      });
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
