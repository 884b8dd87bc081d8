/**
 * The `unused` verdict (pure): any use found is a `fail` naming it; otherwise any gap in the
 * evidence — statistics missing, reset or evicted, text that cannot be resolved, a window not yet
 * covered — is `error`; only complete evidence of no use over the whole window is a `pass`.
 */
import { faultOutcome, type FaultInfo } from '../../results/fault.js';
import type { JsonValue, Outcome, Sample } from '../../results/outcome.js';
import { discontinuity, type SnapshotCounters } from './counters.js';
import type { UseMode } from './resolve-statement.js';

/** A catalog object that still depends on a target. */
export interface Dependency { target: string; kind: string; object: string }

/** A pg_stat_statements entry that uses a target. */
export interface StatementUseEntry { key: string; role: string; ignored: boolean; query: string; uses: readonly { target: string; mode: UseMode }[]; applications: string[] }

/** A pg_stat_statements entry whose text cannot show what it reads (renamed shape, or SQL run below the top level untracked). */
export interface OpaqueEntry { key: string; role: string; query: string; code: 'statement_text_stale' | 'nested_statements_untracked'; reason: string }

/** A session seen using a target during the run. */
export interface SessionUse { pid: number; role: string; application: string; state: string; query: string; targets: string[] }

/** Statement and write statistics: unavailable (with why), or this run's counters with the baseline to compare against. */
export type StatsEvidence =
  | { available: false; fault: FaultInfo }
  /** The check file said `evidence: catalog`: statistics were deliberately not read. */
  | { available: false; catalogOnly: true }
  | { available: true; at: WindowClocks; current: SnapshotCounters; baseline: { at: WindowClocks; counters: SnapshotCounters } | undefined; entries: StatementUseEntry[]; opaque?: OpaqueEntry[] };

/**
 * When a snapshot was taken, by two independent clocks: the verified server's now() (which its
 * counters' reset times are comparable with) and the state store's at the write (null when the
 * store did not record it). The window counts as covered only as far as both agree.
 */
export interface WindowClocks { server: Date; store: Date | null }

/**
 * How long the statistics have been observed: the smaller of the two clocks' spans, so one clock
 * jumping forward (an NTP step, a VM resumed, a wrong manual setting) cannot make an hour count
 * as a day. A baseline either clock places in the future, or without the store's time, covers nothing.
 */
export function coveredSpan(baseline: WindowClocks, now: WindowClocks): { ms: number; clocks?: string } {
  const server = now.server.getTime() - baseline.server.getTime();
  if (baseline.store === null || now.store === null) return { ms: 0, clocks: 'the baseline snapshot has no state-store time (written before stores kept one); observing starts again from this run' };
  const store = now.store.getTime() - baseline.store.getTime();
  const ms = Math.max(0, Math.min(server, store));
  // Within a minute the two are the same measurement (the write follows the read); beyond it, say so.
  if (Math.abs(server - store) <= 60_000) return { ms };
  return { ms, clocks: `the verified server's clock says ${human(Math.max(0, server))} passed since the baseline, the state store's ${human(Math.max(0, store))}; the smaller counts` };
}

/** Everything the run gathered. */
export interface UnusedEvidence {
  /** The window statistics must cover; undefined with `evidence: catalog`, which reads none. */
  windowMs: number | undefined;
  dependencies: Dependency[];
  sessions: SessionUse[];
  stats: StatsEvidence;
  /** Gaps found while gathering (unreadable text, missing privileges, track settings). */
  gaps: FaultInfo[];
}

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}…` : text);
/** Coverage as a person reads it, rounded down (never overstated): 3h, 3h20m, 45m, 12s. */
export function human(ms: number): string {
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  if (hours > 0) return minutes > 0 ? `${hours}h${minutes}m` : `${hours}h`;
  return minutes > 0 ? `${minutes}m` : `${Math.max(0, Math.floor(ms / 1000))}s`;
}

interface Finding { sentence: string; sample: Sample }

function finding(target: string, sentence: string, detail: Record<string, JsonValue>): Finding {
  return { sentence, sample: { category: 'row', key: { target }, detail: { finding: sentence, ...detail } } };
}

function statementFindings(stats: Extract<StatsEvidence, { available: true }>, windowText: string): Finding[] {
  const base = stats.baseline?.counters;
  if (!base) return [];
  const found: Finding[] = [];
  for (const entry of stats.entries) {
    if (entry.ignored) continue;
    const delta = (stats.current.statements[entry.key] ?? 0) - (base.statements[entry.key] ?? 0);
    if (delta <= 0) continue;
    for (const use of entry.uses) {
      const apps = entry.applications.length > 0 ? ` (application ${entry.applications.join(', ')})` : '';
      const verb = use.mode === 'write' ? 'writes' : 'reads';
      found.push(finding(use.target, `role ${entry.role}${apps} ran \`${clip(entry.query)}\` ${delta} times in the last ${windowText} (${verb} ${use.target})`,
        { evidence: 'pg_stat_statements', role: entry.role, applications: entry.applications, calls: delta, mode: use.mode, query: clip(entry.query, 2000) }));
    }
  }
  for (const [relid, table] of Object.entries(stats.current.tables)) {
    const delta = table.writes - (base.tables[relid]?.writes ?? 0);
    if (delta > 0) found.push(finding(table.name, `${table.name} had ${delta} rows inserted, updated or deleted in the last ${windowText} (pg_stat_user_tables, any role)`, { evidence: 'pg_stat_user_tables', writes: delta }));
  }
  return found;
}

/** Opaque entries that were called in the window: what they read cannot be told, so each is a gap. */
function opaqueGaps(stats: Extract<StatsEvidence, { available: true }>, windowText: string): FaultInfo[] {
  const base = stats.baseline?.counters;
  if (!base) return [];
  return (stats.opaque ?? []).flatMap((entry) => {
    const delta = (stats.current.opaque?.[entry.key] ?? 0) - (base.opaque?.[entry.key] ?? 0);
    if (delta <= 0) return [];
    const remedy = entry.code === 'statement_text_stale' ? '; reset that entry (pg_stat_statements_reset(userid, dbid, queryid)) so its text is recorded afresh' : '';
    return [{ code: entry.code, message: `role ${entry.role} ran \`${clip(entry.query, 200)}\` ${delta} times in the last ${windowText}, and its text cannot show what it read: ${entry.reason}${remedy}` }];
  });
}

/** The evidence an `unused` result can rest on, by the name results use for it. */
export const EVIDENCE_NAMES = {
  catalog: 'catalog dependencies (pg_depend, pg_rewrite, pg_trigger, pg_proc, publications)',
  sessions: 'live sessions (pg_stat_activity)',
  statements: 'statement calls over the window (pg_stat_statements)',
  table_writes: 'table writes over the window (pg_stat_user_tables)',
} as const;

/** Which evidence this run read and which it did not, so no result overstates what it looked at. */
function evidenceRead(stats: StatsEvidence): { read: string[]; notRead: string[] } {
  const always = [EVIDENCE_NAMES.catalog, EVIDENCE_NAMES.sessions];
  const statistics = [EVIDENCE_NAMES.statements, EVIDENCE_NAMES.table_writes];
  return stats.available ? { read: [...always, ...statistics], notRead: [] } : { read: always, notRead: statistics };
}

/** Judges the gathered evidence; `now` is the verified server's time of this run's counters. */
export function judgeUnused(evidence: UnusedEvidence): Outcome {
  const { stats } = evidence;
  if (!stats.available && 'catalogOnly' in stats) return judgeCatalogOnly(evidence);
  const gaps = [...evidence.gaps];
  const windowMs = evidence.windowMs ?? 0;
  const windowText = human(windowMs);
  let coveredMs = 0;
  let comparable = false;
  let clocks: string | undefined;
  if (!stats.available) gaps.push(stats.fault);
  else if (!stats.baseline) gaps.push({ code: 'window_not_covered', message: `observing: 0s of ${windowText} covered (first snapshot taken now; run the check again as time passes)` });
  else {
    const broken = discontinuity(stats.baseline.counters, stats.current);
    const span = coveredSpan(stats.baseline.at, stats.at);
    coveredMs = span.ms;
    if (span.clocks) clocks = span.clocks;
    if (broken) {
      gaps.push({ code: 'statistics_discontinuous', message: `statistics do not cover the window: ${broken}; observing starts again from this run` });
      coveredMs = 0;
    } else {
      comparable = true;
      gaps.push(...opaqueGaps(stats, human(coveredMs)));
      if (coveredMs < windowMs) gaps.push({ code: 'window_not_covered', message: `observing: ${human(coveredMs)} of ${windowText} covered${clocks ? ` (${clocks})` : ''}` });
    }
  }
  const findings: Finding[] = [
    ...catalogAndSessionFindings(evidence),
    ...(stats.available && comparable ? statementFindings(stats, human(coveredMs)) : []),
  ];
  const observations = {
    evidence: 'full',
    window_seconds: Math.round(windowMs / 1000),
    covered_seconds: Math.round(coveredMs / 1000),
    coverage_ratio: windowMs > 0 ? Math.min(1, Math.round((coveredMs / windowMs) * 1000) / 1000) : 0,
    ...(clocks ? { clocks } : {}),
    ...counts(evidence, findings),
  };
  return conclude(findings, gaps, observations, `unused: no reader, writer, dependency or session in the last ${human(coveredMs)} (window ${windowText})`);
}

function catalogAndSessionFindings(evidence: UnusedEvidence): Finding[] {
  return [
    ...evidence.dependencies.map((d) => finding(d.target, `${d.kind} ${d.object} depends on ${d.target}`, { evidence: 'catalog', kind: d.kind, object: d.object })),
    ...evidence.sessions.map((s) => finding(s.targets.join(', '), `session ${s.pid} (role ${s.role}, application ${s.application || '(none)'}, ${s.state}) is using ${s.targets.join(', ')}: \`${clip(s.query)}\``,
      { evidence: 'pg_stat_activity', pid: s.pid, role: s.role, application: s.application, state: s.state, query: clip(s.query, 2000) })),
  ];
}

function counts(evidence: UnusedEvidence, findings: readonly Finding[]) {
  const { read, notRead } = evidenceRead(evidence.stats);
  return {
    uses: findings.length,
    dependencies: evidence.dependencies.length,
    sessions: evidence.sessions.length,
    statements_matched: evidence.stats.available ? evidence.stats.entries.length : 0,
    evidence_read: read,
    evidence_not_read: notRead,
  };
}

/** Any use is a fail; else any gap is `error`; else a pass with `passSummary`. */
function conclude(findings: readonly Finding[], gaps: readonly FaultInfo[], observations: Record<string, JsonValue>, passSummary: string): Outcome {
  // One hidden role can hide hundreds of statements; say each gap once.
  const distinct = gaps.filter((g, i) => gaps.findIndex((o) => o.code === g.code && o.message === g.message) === i);
  const withGaps = { ...observations, unverified: distinct.map((g) => `${g.code}: ${g.message}`).slice(0, 50) };
  if (findings.length > 0) {
    const more = findings.length > 3 ? `; and ${findings.length - 3} more` : '';
    return { status: 'fail', summary: `still used: ${findings.slice(0, 3).map((f) => f.sentence).join('; ')}${more}`, observations: { ...withGaps, mismatches: findings.length }, samples: findings.map((f) => f.sample) };
  }
  const [first, ...rest] = distinct;
  if (first) {
    const others = rest.slice(0, 4).map((g) => g.message);
    const more = rest.length > 4 ? [`and ${rest.length - 4} more gaps`] : [];
    return faultOutcome({ code: first.code, message: [first.message, ...others, ...more].join('; ') }, withGaps);
  }
  return { status: 'pass', summary: passSummary, observations: { ...withGaps, mismatches: 0 }, samples: [] };
}

/**
 * `evidence: catalog`, asked for in the check file: catalog dependencies and live sessions only.
 * Its pass says in the summary itself that no statement statistics were read, so nobody mistakes
 * it for "nobody ran a query": a client that queries the shape is invisible to it.
 */
function judgeCatalogOnly(evidence: UnusedEvidence): Outcome {
  const findings = catalogAndSessionFindings(evidence);
  const observations = { evidence: 'catalog', ...counts(evidence, findings) };
  return conclude(findings, evidence.gaps, observations,
    'unused by catalog evidence only (the check says evidence: catalog): nothing in the catalog depends on it and no live session used it; '
    + 'NOT read: pg_stat_statements and pg_stat_user_tables, so a client that queries or writes it would not be seen');
}
