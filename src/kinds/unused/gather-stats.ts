/**
 * Gathers the statistics side of `unused`: pg_stat_statements entries that use the shape, write
 * counters of listed tables, and live sessions. Reads only; the snapshot goes to the state store.
 */
import type { FaultInfo } from '../../results/fault.js';
import type { ExecutionContext } from '../types.js';
import { planFindStatementStats, planLiveSessions, planNestedSqlRoutines, planRelationsNamed, planStatementStats, planTableWrites } from './plan-stats.js';
import { catalogNames, staleName, statementNames, type CatalogNames, type StatementNames } from './opaque-statements.js';
import { addRenames, noRenames, renamesTouch, swappedName, type RecordedRenames } from './recorded-renames.js';
import { resolveStatement, type StatementUse } from './resolve-statement.js';
import type { SnapshotCounters } from './counters.js';
import type { FoundShape } from './gather-catalog.js';
import type { UnusedSpec } from './spec.js';
import type { OpaqueEntry, SessionUse, StatementUseEntry } from './verdict.js';
import type { PendingText } from './stale-texts.js';
import { actingRoles, planActingRoles, staysIgnored, type ActingRoleRow, type ActingRoles } from './acting-roles.js';
import { planRoutineCountingSettings, routineCountingGaps, type RoutineCountingRow } from './routine-settings.js';

/** pg_stat_statements shows this instead of the text to roles without pg_read_all_stats. */
const HIDDEN = '<insufficient privilege>';
const PRIVILEGE_HINT = 'grant pg_read_all_stats (or pg_monitor) to parity\'s role';

type StateRow = {
  now: Date; postmaster_start: Date | string; db_oid: string; dealloc: string; stats_reset: Date | string | null;
  track: string | null; track_utility: string | null; compute_query_id: string | null; counting_overrides: string | null; track_below_all: string | null;
  userid: string | null; role: string | null; queryid: string | null; toplevel: string | null; calls: string | null; query: string | null;
};

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

/** What the statistics part read: counters for the snapshot, matching entries, and gaps. */
export interface StatementStats {
  at: Date; counters: SnapshotCounters; entries: StatementUseEntry[]; opaque: OpaqueEntry[]; byQueryId: Map<string, StatementUse>; gaps: FaultInfo[];
  /** Plannable entries that resolved to no use and whose text names only what exists: judged once the baseline is known (stale-texts.ts). */
  pending: PendingText[];
}

/** An entry of another role that resolved to no use: its text is judged again against today's catalog. */
interface Unmatched { key: string; userid: string; queryid: string; role: string; query: string; calls: number; names: StatementNames }

/** The role as results name it: an ignored role counted after all says why. */
function roleLabel(role: string, acting: ActingRoles, skip: boolean): string {
  const act = acting.get(role);
  return act && !skip ? `${role} (ignored, but counted: ${act.why})` : role;
}

/** Reads pg_stat_statements (and table write counters); returns a fault when the statistics cannot be read at all. */
export async function readStatementStats(spec: UnusedSpec, ctx: ExecutionContext, shape: FoundShape): Promise<StatementStats | FaultInfo> {
  const [ext] = await ctx.query<{ schema: string }>(spec.source, planFindStatementStats());
  if (!ext) return { code: 'statement_stats_unavailable', message: 'pg_stat_statements is not installed in this database (it needs shared_preload_libraries and CREATE EXTENSION pg_stat_statements), so readers and writers cannot be seen' };
  const ignored = new Set(spec.ignore.roles);
  const gaps: FaultInfo[] = [];
  const entries: StatementUseEntry[] = [];
  const byQueryId = new Map<string, StatementUse>();
  const statements: Record<string, number> = {};
  const unmatched: Unmatched[] = [];
  const renames = noRenames();
  // Ignored roles that may run statements for others (SECURITY DEFINER owners, foreign servers' and dblink's roles).
  const acting = spec.ignore.roles.length === 0 ? new Map() as ActingRoles
    : actingRoles(await ctx.query<ActingRoleRow>(spec.source, planActingRoles(spec.ignore.roles)), spec.ignore.roles);
  let state: StateRow | undefined;
  await ctx.queryEach<StateRow>(spec.source, planStatementStats(ext.schema), (row) => {
    state ??= row;
    if (row.userid === null) return;
    const skip = staysIgnored(ignored, acting, row.role, row.toplevel);
    // Renames by any role, the migrator's included: texts recorded before them cannot be trusted.
    if (row.query !== null && row.query !== HIDDEN) addRenames(row.query, renames);
    const key = `${row.userid}/${row.queryid ?? '?'}/${row.toplevel ?? '?'}`;
    if (row.query === HIDDEN || row.queryid === null) {
      if (!skip) gaps.push({ code: 'insufficient_privilege', message: `pg_stat_statements hides the statements of role ${row.role ?? row.userid}; ${PRIVILEGE_HINT}` });
      return;
    }
    if (row.query === null) {
      if (!skip) gaps.push({ code: 'statement_text_missing', message: `pg_stat_statements lost the text of query ${row.queryid} (role ${row.role}); it might use the shape` });
      return;
    }
    const use = resolveStatement(row.query, shape.targets);
    byQueryId.set(row.queryid, use);
    if (use.kind === 'unresolvable') {
      if (use.mightTouch && !skip) gaps.push({ code: 'statement_unresolvable', message: `cannot tell whether \`${row.query.slice(0, 200)}\` (role ${row.role}) uses the shape: ${use.reason}` });
      return;
    }
    if (use.uses.length === 0) {
      const names = skip ? undefined : statementNames(row.query);
      if (names) unmatched.push({ key, userid: row.userid, queryid: row.queryid, role: roleLabel(row.role ?? row.userid, acting, skip), query: row.query, calls: Number(row.calls), names });
      return;
    }
    statements[key] = Number(row.calls);
    entries.push({ key, role: roleLabel(row.role ?? row.userid, acting, skip), ignored: skip, query: row.query, uses: use.uses, applications: [] });
  });
  if (!state) return { code: 'statement_stats_unavailable', message: 'pg_stat_statements_info returned no row' };
  if (state.track === null || state.track === 'none') gaps.push({ code: 'statement_stats_off', message: `pg_stat_statements.track is ${state.track ?? 'unknown'}; statements are not being counted` });
  // Without query ids pg_stat_statements records nothing at all, whatever track says.
  if (state.compute_query_id === 'off') gaps.push({ code: 'statement_stats_off', message: 'compute_query_id is off; pg_stat_statements records no statement without a query id' });
  if (state.track_utility === 'off') gaps.push({ code: 'statement_stats_off', message: 'pg_stat_statements.track_utility is off; COPY and other utility statements are not counted' });
  if (state.counting_overrides) gaps.push({ code: 'statement_stats_off', message: `role or database settings may stop other sessions' statements or writes from being counted (${state.counting_overrides}); parity's own session does not show them — reset them (ALTER ROLE … RESET) to verify` });
  // Statements inside functions are counted only with track = all, in every role's sessions.
  const trackAll = state.track === 'all' && state.track_below_all === null;
  // A routine's own SET clause applies while it runs, where no server, role or database setting shows it.
  gaps.push(...routineCountingGaps(await ctx.query<RoutineCountingRow>(spec.source, planRoutineCountingSettings()), trackAll));
  if (!trackAll) {
    const routines = await ctx.query<{ routine: string }>(spec.source, planNestedSqlRoutines());
    if (routines.length > 0) {
      const where = state.track === 'all' ? `is below all for some sessions (${state.track_below_all})` : `is ${state.track ?? 'unknown'}`;
      gaps.push({ code: 'nested_statements_untracked', message: `pg_stat_statements.track ${where}, so statements run inside functions are not counted, and ${routines.map((r) => r.routine).join(', ')} can run SQL composed at run time (EXECUTE, another procedural language, or a SQL-running function) that no statement text here shows; set pg_stat_statements.track = all (ALTER SYSTEM, then pg_reload_conf()) and observe a window` });
    }
  }
  const { opaque, pending } = await opaqueEntries(spec, ctx, shape, unmatched, trackAll, renames);
  const writes = await readTableWrites(spec, ctx, shape, gaps);
  const at = new Date(Math.max(new Date(state.now).getTime(), writes.at.getTime()));
  const counters: SnapshotCounters = {
    version: 1, postmaster_start: iso(state.postmaster_start) ?? '', db_oid: state.db_oid, dealloc: state.dealloc,
    stats_reset: iso(state.stats_reset), db_stats_reset: writes.dbStatsReset, statements, tables: writes.tables,
    opaque: Object.fromEntries(opaque.map((o) => [o.key, o.calls])), track_all: trackAll,
  };
  return { at, counters, entries, opaque: opaque.map(({ calls: _calls, ...entry }) => entry), byQueryId, gaps, pending };
}

/**
 * Unmatched entries whose text cannot show what they read: it spells a relation or column that no
 * longer exists by that name (renamed after the entry's first call; its queryid, computed from oids
 * and column numbers, goes on counting the renamed shape), or, below track = all, it runs SQL
 * below the top level. Their calls are kept in the snapshot; new calls in the window are a gap.
 * Every other plannable one is pending: a swap of names leaves every name an old text spells
 * existing, so whether it still means what its calls counted is decided by recomputing its query
 * id, or, where that cannot run, by the renames pg_stat_statements recorded (`swapped`).
 */
async function opaqueEntries(spec: UnusedSpec, ctx: ExecutionContext, shape: FoundShape, unmatched: readonly Unmatched[], trackAll: boolean, renames: RecordedRenames): Promise<{ opaque: (OpaqueEntry & { calls: number })[]; pending: PendingText[] }> {
  const relationNames = [...new Set(unmatched.flatMap((u) => u.names.relations.map((r) => r.name)))];
  const catalog = catalogNames(relationNames.length > 0 ? await ctx.query<{ schema: string; name: string; columns: string; extension: boolean }>(spec.source, planRelationsNamed(relationNames)) : []);
  const shapeRelations = shape.targets.filter((t) => t.column !== undefined).flatMap((t) => t.relations);
  // A swap leaves every name existing: while a recorded rename touched the shape, texts naming what it touched are suspect.
  const swapped = renamesTouch(renames, shape.targets.flatMap((t) => t.relations));
  const found: (OpaqueEntry & { calls: number })[] = [];
  const pending: PendingText[] = [];
  for (const u of unmatched) {
    const namesShape = u.names.relations.some((r) => shapeRelations.some((s) => s.name === r.name && (r.schema === undefined || r.schema === s.schema)));
    const stale = staleName(u.names, catalog, namesShape);
    if (stale) found.push({ key: u.key, role: u.role, query: u.query, calls: u.calls, code: 'statement_text_stale', reason: stale });
    else if (!trackAll && u.names.runsNested) found.push({ key: u.key, role: u.role, query: u.query, calls: u.calls, code: 'nested_statements_untracked', reason: `${u.names.runsNested}, and pg_stat_statements.track is not all, so what it ran is not counted` });
    // Only a relation can carry the shape's oid into a query id: texts reading system catalogs alone (parity's own) are not pending.
    else if (u.names.plannable && u.names.relations.some((r) => !isSystemRelation(r, catalog))) {
      pending.push({ key: u.key, userid: u.userid, queryId: u.queryid, role: u.role, query: u.query, calls: u.calls, namesShape, swapped: swapped ? swappedName(u.names, renames, catalog) : undefined });
    }
  }
  return { opaque: found, pending };
}

const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema']);

/**
 * A relation of pg_catalog or information_schema, or an extension's a superuser owns
 * (pg_stat_statements' view, which parity's own statements read; a view its owner added to an
 * extension is not one): written so, or unqualified where every relation of
 * that name today is one (pg_catalog is searched first unless a search_path lists it later).
 */
function isSystemRelation(r: { schema: string | undefined; name: string }, catalog: CatalogNames): boolean {
  const system = (schema: string) => SYSTEM_SCHEMAS.has(schema) || (catalog.extensionOwned?.has(`${schema}.${r.name}`) ?? false);
  if (r.schema !== undefined) return system(r.schema);
  const schemas = [...catalog.schemasOf.get(r.name) ?? []];
  return schemas.length > 0 && schemas.every(system);
}

type WritesRow = { now: Date; db_stats_reset: Date | string | null; track_counts: string; tables: string };

async function readTableWrites(spec: UnusedSpec, ctx: ExecutionContext, shape: FoundShape, gaps: FaultInfo[]) {
  // A parent's own writes are not the listed table's (writes through the parent are counted on it).
  const relids = shape.catalog.filter((c) => c.attnum === 0 && !c.ancestor).map((c) => c.oid);
  const [row] = await ctx.query<WritesRow>(spec.source, planTableWrites(relids));
  if (!row) throw new Error('the current database is missing from pg_database');
  if (row.track_counts !== 'on') gaps.push({ code: 'statement_stats_off', message: 'track_counts is off; table writes are not being counted' });
  const tables: SnapshotCounters['tables'] = {};
  for (const t of JSON.parse(row.tables) as { relid: string; name: string; ins: string; upd: string; del: string }[]) {
    tables[t.relid] = { name: t.name, writes: Number(t.ins) + Number(t.upd) + Number(t.del) };
  }
  return { at: new Date(row.now), dbStatsReset: iso(row.db_stats_reset), tables };
}

type SessionRow = { pid: number; role: string | null; application_name: string | null; state: string | null; query: string | null; queryid: string | null; query_bytes: number | null; query_limit: number };

/** Sessions of other roles whose current or last statement uses the shape; texts parity cannot read or resolve are gaps. */
export async function readLiveSessions(spec: UnusedSpec, ctx: ExecutionContext, shape: FoundShape, byQueryId: Map<string, StatementUse> | undefined): Promise<{ sessions: SessionUse[]; gaps: FaultInfo[]; applications: Map<string, Set<string>> }> {
  const sessions: SessionUse[] = [];
  const gaps: FaultInfo[] = [];
  // Which applications ran which query id: pg_stat_statements itself does not record the application.
  const applications = new Map<string, Set<string>>();
  for (const row of await ctx.query<SessionRow>(spec.source, planLiveSessions())) {
    if (row.queryid !== null && row.application_name) applications.set(row.queryid, (applications.get(row.queryid) ?? new Set()).add(row.application_name));
    if (spec.ignore.roles.includes(row.role ?? '') || spec.ignore.applications.includes(row.application_name ?? '')) continue;
    if (row.query === HIDDEN) {
      gaps.push({ code: 'insufficient_privilege', message: `pg_stat_activity hides the statement of session ${row.pid}; ${PRIVILEGE_HINT}` });
      continue;
    }
    if (!row.query) continue;
    // A text cut at track_activity_query_size may hide the table in its missing tail; the full text may be in pg_stat_statements.
    const truncated = (row.query_bytes ?? 0) >= row.query_limit - 1;
    const known = row.queryid !== null ? byQueryId?.get(row.queryid) : undefined;
    const use = truncated ? known : resolveStatement(row.query, shape.targets);
    if (use === undefined) {
      gaps.push({ code: 'statement_truncated', message: `session ${row.pid} (role ${row.role}) runs a statement longer than track_activity_query_size that pg_stat_statements does not hold; it might use the shape` });
    } else if (use.kind === 'unresolvable') {
      if (use.mightTouch) gaps.push({ code: 'statement_unresolvable', message: `cannot tell whether session ${row.pid}'s \`${row.query.slice(0, 200)}\` uses the shape: ${use.reason}` });
    } else if (use.uses.length > 0) {
      sessions.push({ pid: row.pid, role: row.role ?? '', application: row.application_name ?? '', state: row.state ?? '', query: row.query, targets: [...new Set(use.uses.map((u) => u.target))] });
    }
  }
  return { sessions, gaps, applications };
}
