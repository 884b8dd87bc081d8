/**
 * unused: proves the old shape (listed columns and tables) is no longer read, written or depended
 * on before the contract step drops it. Evidence: catalog dependencies, pg_stat_statements calls
 * and table writes counted as deltas over the window (snapshots kept in the state store), and
 * live sessions. Fail-closed: missing or discontinuous evidence is `error`, never a pass.
 */
import { createHash } from 'node:crypto';
import { loadSqlParser } from '../../sql/parser.js';
import { Fault, type FaultInfo } from '../../results/fault.js';
import { defineKind, type ExecutionContext } from '../types.js';
import { snapshotCountersSchema, type SnapshotCounters } from './counters.js';
import { judgePendingTexts } from './stale-texts.js';
import { findDependencies, findShape, type FoundShape } from './gather-catalog.js';
import { findSqlTextCalls } from './gather-sql-text.js';
import { findUnrecordedUses } from './gather-unrecorded.js';
import { planSubscriptions } from './plan-catalog.js';
import { readLiveSessions, readStatementStats, type StatementStats } from './gather-stats.js';
import { unusedSchema, type UnusedSpec } from './spec.js';
import { judgeUnused, type StatsEvidence, type WindowClocks } from './verdict.js';
import { planPublicationlessSlots, planRecoveryState, planStreamingStandbys } from './plan-stats.js';

/** Why nothing read on a standby can show the shape unused. */
const STANDBY_SOURCE: FaultInfo = {
  code: 'standby_source',
  message: 'the source is a standby (pg_is_in_recovery()): its pg_stat_statements, pg_stat_user_tables and pg_stat_activity count only its own sessions, so readers and writers on the primary are invisible; point this check at the primary',
};

/** Why no absence of use seen on a logical-replication subscriber proves a subscribed table unused. */
function subscribedTable(rows: readonly { relation: string; subscription: string }[]): FaultInfo {
  const list = rows.map((r) => `${r.relation} (subscription ${r.subscription})`).join(', ');
  return {
    code: 'subscribed_table',
    message: `${list} ${rows.length === 1 ? 'is' : 'are'} written here by logical replication: the publisher's clients read and write ${rows.length === 1 ? 'it' : 'them'} where this server's statistics cannot see, and dropping a column the publisher still sends stops the subscription; run this check on the publisher`,
  };
}

/** Why a logical slot that decodes every table leaves the shape's use unknown. */
function decodedBySlots(slots: readonly { slot: string; plugin: string | null }[]): FaultInfo {
  const list = slots.map((s) => `slot ${s.slot} (plugin ${s.plugin ?? 'unknown'})`).join(', ');
  return {
    code: 'logical_decoding_unseen',
    message: `logical replication ${list} decode${slots.length === 1 ? 's' : ''} this database without a publication, so ${slots.length === 1 ? 'its consumer receives' : 'their consumers receive'} every column of every table and may read this shape; nothing here shows which it reads: confirm with the consumer and drop the slot, or move it to pgoutput with a publication (which this check judges)`,
  };
}

/** The result with what it assumed (observations.assumption), as chunked and incremental scans state theirs. */
function stating<T extends { observations: Record<string, unknown> }>(assumption: string | undefined, outcome: T): T {
  if (assumption) outcome.observations.assumption = assumption;
  return outcome;
}

/** What a snapshot counted: the source and the relations/columns by oid, so a changed check or a re-created table starts afresh. */
function scopeOf(spec: UnusedSpec, shape: FoundShape): string {
  const parts = shape.catalog.map((c) => `${c.label}:${c.oid}:${c.attnum}`).sort();
  return createHash('sha256').update(JSON.stringify([spec.source, parts])).digest('hex').slice(0, 32);
}

/** Compares this run's counters with the stored baseline, then stores them as a future baseline. */
async function withBaseline(spec: UnusedSpec, windowMs: number, ctx: ExecutionContext, shape: FoundShape, stats: StatementStats): Promise<StatsEvidence> {
  if (!ctx.snapshots) throw new Fault({ code: 'no_state_store', message: 'unused compares counters over a window and needs parity\'s state store; run it through the service or `parity run`' });
  const scope = scopeOf(spec, shape);
  const cutoff = new Date(stats.at.getTime() - windowMs);
  const stored = await ctx.snapshots.baselineCounters(spec.id, scope, cutoff);
  let baseline: { at: WindowClocks; counters: typeof stats.counters } | undefined;
  if (stored) {
    const parsed = snapshotCountersSchema.safeParse(stored.counters);
    if (!parsed.success) throw new Fault({ code: 'internal', message: 'a stored counter snapshot is unreadable; it cannot serve as a baseline' });
    // A baseline "from the future" (clock moved back) proves nothing about the window.
    if (stored.at.getTime() <= stats.at.getTime()) baseline = { at: { server: stored.at, store: stored.recordedAt }, counters: parsed.data };
  }
  // Texts that may no longer mean what their calls count (a swap of names), judged only where the
  // baseline says they were called in the window; every pending entry's calls are kept for the next run.
  const stale = await judgePendingTexts(spec, ctx, stats.pending, baseline?.counters);
  const counters: SnapshotCounters = {
    ...stats.counters,
    opaque: { ...stats.counters.opaque, ...Object.fromEntries(stale.map((o) => [o.key, o.calls])) },
    checked: Object.fromEntries(stats.pending.map((p) => [p.key, p.calls])),
  };
  const opaque = [...stats.opaque, ...stale.map(({ calls: _calls, ...entry }) => entry)];
  const { recordedAt } = await ctx.snapshots.recordCounters(spec.id, scope, { at: stats.at, counters }, cutoff);
  return { available: true, at: { server: stats.at, store: recordedAt }, current: counters, baseline, entries: stats.entries, opaque };
}

export const unused = defineKind({
  kind: 'unused',
  description: 'nobody read, wrote or depended on the listed columns/tables over the window (contract readiness)',
  schema: unusedSchema,
  sourcesOf: (spec) => [spec.source],
  async execute(spec, ctx) {
    await loadSqlParser();
    const shape = await findShape(spec, ctx);
    const dependencies = await findDependencies(spec, ctx, shape);
    const unrecorded = await findUnrecordedUses(spec, ctx, shape, dependencies);
    dependencies.push(...unrecorded.dependencies);
    // SQL handed to a function as text inside a definition: no dependency records what it reads.
    const sqlText = await findSqlTextCalls(spec, ctx, shape);
    dependencies.push(...sqlText.dependencies);
    const gaps: FaultInfo[] = [...unrecorded.gaps];
    // A standby counts only its own statements, table writes and sessions: the primary's readers
    // and writers are invisible there, so no absence of use seen on it is evidence (catalog
    // dependencies found there still fail the check: use beats gap).
    const [server] = await ctx.query<{ in_recovery: boolean }>(spec.source, planRecoveryState());
    if (server?.in_recovery !== false) gaps.push(STANDBY_SOURCE);
    // And the other way round: a primary's statistics do not count what clients read on its
    // standbys, where read-only reporting usually runs. Unless the check file says nobody reads
    // them, a streaming standby is a gap.
    let assumption: string | undefined;
    const [streaming] = await ctx.query<{ standbys: number; names: string | null }>(spec.source, planStreamingStandbys());
    if ((streaming?.standbys ?? 0) > 0) {
      const which = `${streaming!.standbys} physical standby${streaming!.standbys === 1 ? '' : 's'} (${streaming!.names ?? 'unnamed'})`;
      if (spec.standby_reads === 'none') assumption = `this server streams to ${which}; the check file says no client reads them (standby_reads: none), so reads there were not looked for`;
      else gaps.push({ code: 'standby_reads_unseen', message: `this server streams to ${which}, and reads made there are counted only there: a reader on a standby is invisible here; if no client reads them, say standby_reads: none` });
    }
    // The same holds for a table this database receives by logical replication: its rows are
    // written on the publisher, by clients this server never sees, and the apply worker fails the
    // moment the publisher sends a column dropped here.
    const subscribed = await ctx.query<{ relation: string; subscription: string }>(spec.source, planSubscriptions(shape.catalog));
    if (subscribed.length > 0) gaps.push(subscribedTable(subscribed));
    // A logical slot whose plugin needs no publication streams every table to a consumer (a CDC
    // pipeline, a warehouse loader) this server knows nothing about: what it reads cannot be seen.
    const slots = await ctx.query<{ slot: string; plugin: string | null }>(spec.source, planPublicationlessSlots());
    if (slots.length > 0) gaps.push(decodedBySlots(slots));
    if (spec.evidence === 'catalog') {
      // Asked for in the check file: statistics are not read at all, and the result says so.
      const live = await readLiveSessions(spec, ctx, shape, undefined);
      return stating(assumption, judgeUnused({ windowMs: undefined, dependencies, sessions: live.sessions, stats: { available: false, catalogOnly: true }, gaps: [...gaps, ...live.gaps, ...sqlText.gaps] }));
    }
    // The schema requires a window with full evidence; should one ever be missing, never fall back to catalog-only.
    if (spec.window === undefined) throw new Fault({ code: 'internal', message: 'an unused check with full evidence has no window' });
    const windowMs = spec.window;
    let stats: StatsEvidence;
    let statementStats: StatementStats | undefined;
    let read: StatementStats | FaultInfo;
    try {
      read = await readStatementStats(spec, ctx, shape);
    } catch (error) {
      if (error instanceof Fault || ctx.signal.aborted) throw error;
      // Statistics that cannot be read (not preloaded, no privilege) leave the catalog findings standing.
      read = { code: 'statement_stats_unavailable', message: `pg_stat_statements could not be read: ${(error as Error).message}` };
    }
    if ('code' in read) stats = { available: false, fault: read };
    else {
      statementStats = read;
      gaps.push(...read.gaps);
      stats = await withBaseline(spec, windowMs, ctx, shape, read);
    }
    const live = await readLiveSessions(spec, ctx, shape, statementStats?.byQueryId);
    gaps.push(...live.gaps);
    if (stats.available) {
      for (const entry of stats.entries) entry.applications = [...(live.applications.get(entry.key.split('/')[1] ?? '') ?? [])];
    }
    // With track = all what such a definition runs is counted as a nested statement of its caller:
    // only below it is a text the catalog cannot judge a gap.
    if (!(stats.available && stats.current.track_all === true)) gaps.push(...sqlText.gaps);
    return stating(assumption, judgeUnused({ windowMs, dependencies, sessions: live.sessions, stats, gaps }));
  },
});
