/**
 * A finished run as text for a terminal: one row per check, then the samples of failing checks
 * (key and both values) and the faults of checks that could not be verified. Pure.
 */
import type { Observations, Sample } from '../results/outcome.js';
import type { FinishedRun } from '../runner/run-types.js';
import type { ResultRecord } from '../store/runs.js';
import { formatCount } from '../kinds/format.js';
import { unusedReport } from '../kinds/unused/report.js';
import { readEvidence } from '../results/read-evidence.js';

const COLUMNS = ['CHECK', 'KIND', 'STATUS', 'MISMATCHES', 'ROWS SCANNED', 'DURATION', 'SUMMARY'] as const;
/** Right-aligned so digits line up. */
const NUMERIC = new Set<string>(['MISMATCHES', 'ROWS SCANNED', 'DURATION']);

/** 1234567 → "1,234,567" (as summaries write it); absent → "-". */
export function formatCountCell(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? formatCount(value) : '-';
}

/** Milliseconds as "850 ms" / "12.3 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Results in the order the run listed its checks (the store orders them by start time). */
export function orderedResults(run: FinishedRun): ResultRecord[] {
  const position = new Map(run.checkIds.map((id, i) => [id, i]));
  return [...run.results].sort((a, b) => (position.get(a.checkId) ?? 0) - (position.get(b.checkId) ?? 0));
}

function table(rows: string[][]): string {
  const widths = COLUMNS.map((_, c) => Math.max(...rows.map((r) => [...(r[c] ?? '')].length)));
  return rows.map((row) => row.map((cell, c) => {
    const last = c === COLUMNS.length - 1;
    if (last) return cell;
    const pad = widths[c]! - [...cell].length;
    return NUMERIC.has(COLUMNS[c]!) ? ' '.repeat(pad) + cell : cell + ' '.repeat(pad);
  }).join('  ').trimEnd()).join('\n');
}

/** A sample's key as `id=1001` (or `a=1, b=2` for composite keys). */
export function formatKey(key: Sample['key']): string {
  return Object.entries(key).map(([column, value]) => `${column}=${typeof value === 'string' ? value : JSON.stringify(value)}`).join(', ');
}

/**
 * One line per sample; values are JSON so padding, tabs and NULL stay visible. A mismatch has both
 * sides by definition, so an absent value there is NULL; a missing row has only the side it is on.
 */
export function formatSample(sample: Sample, keyWidth = 0): string {
  const head = `${sample.category.padEnd(14)} ${formatKey(sample.key).padEnd(keyWidth)}`;
  const value = (v: Sample['old']) => (v === undefined || v === null ? 'NULL' : JSON.stringify(v));
  if (sample.category === 'null') {
    const columns = sample.detail?.null_columns;
    return `${head}  NULL in: ${Array.isArray(columns) ? columns.join(', ') : '?'}`;
  }
  // A finding (an `unused` reader, writer or dependency) is already a sentence with its counts.
  if (sample.category === 'row' && typeof sample.detail?.finding === 'string') return `${head}  ${sample.detail.finding}`;
  if (sample.category === 'row') return `${head}  ${JSON.stringify(sample.detail ?? {})}`;
  if (sample.category === 'missing_in_new') return `${head}  old: ${value(sample.old)}  (no row in new)`;
  if (sample.category === 'missing_in_old') return `${head}  new: ${value(sample.new)}  (no row in old)`;
  return `${head}  old: ${value(sample.old)}  new: ${value(sample.new)}`;
}

/** What an `unused` result rests on: coverage, the evidence read and not read, what it found. */
export function formatUnused(r: ResultRecord): string[] {
  const report = unusedReport(r.observations as Observations, r.samples ?? []);
  const ratio = report.coverageRatio === undefined ? '' : ` (${Math.floor(report.coverageRatio * 100)}%)`;
  const lines = [`  ${r.checkId}: ${r.status.toUpperCase()}, evidence: ${report.evidence}, ${report.progress}${ratio}`];
  if (report.read.length > 0) lines.push(`    read: ${report.read.join('; ')}`);
  if (report.notRead.length > 0) lines.push(`    NOT read: ${report.notRead.join('; ')}`);
  const uses = (evidence: string) => report.findings.filter((f) => f.evidence === evidence).length;
  lines.push(`    found: ${uses('catalog')} dependencies, ${uses('pg_stat_activity')} sessions, ${uses('pg_stat_statements')} statements, ${uses('pg_stat_user_tables')} written tables`);
  return lines;
}

/** The readable report of a finished run. */
export function formatRun(run: FinishedRun): string {
  const results = orderedResults(run);
  const rows: string[][] = [[...COLUMNS]];
  for (const r of results) {
    const obs = r.observations as Record<string, unknown>;
    // A scan that stopped early (stop_after) counted only the rows it read: its counts are minimums, not totals.
    const atLeast = (cell: string) => (obs.counts_are_lower_bounds === true && cell !== '-' ? `≥ ${cell}` : cell);
    rows.push([
      r.checkId, r.kind, r.status.toUpperCase(), atLeast(formatCountCell(obs.mismatches)), atLeast(formatCountCell(obs.rows_scanned)),
      formatDuration(r.durationMs), r.summary ?? '',
    ]);
  }
  const out = [table(rows)];

  // How each result was read, when that says more than the summary: resumed, coverage, lag, progress.
  const evidence = results.flatMap((r) => {
    const lines = readEvidence({ observations: r.observations, servers: r.servers });
    return lines.length === 0 ? [] : [`  ${r.checkId}:`, ...lines.map((line) => `    ${line.text}`)];
  });
  if (evidence.length > 0) out.push('', 'how each result was read:', ...evidence);

  const failing = results.filter((r) => r.status === 'fail');
  for (const r of failing) {
    const samples = r.samples ?? [];
    out.push('', `${r.checkId} failed: ${r.summary ?? ''}`);
    if (samples.length === 0) out.push('  (no samples: this kind reports counts only)');
    const keyWidth = Math.max(0, ...samples.map((sample) => formatKey(sample.key).length));
    for (const sample of samples) out.push(`  ${formatSample(sample, keyWidth)}`);
  }

  const errored = results.filter((r) => r.status === 'error');
  if (errored.length > 0) {
    out.push('', 'could not verify:');
    for (const r of errored) {
      const e = r.error;
      out.push(`  ${r.checkId}: ${e ? `${e.code}${e.sqlstate ? ` (SQLSTATE ${e.sqlstate})` : ''}: ${e.message}` : (r.summary ?? 'no result')}`);
    }
  }

  const readiness = results.filter((r) => r.kind === 'unused' && r.status !== 'running');
  if (readiness.length > 0) out.push('', 'contract readiness (unused):', ...readiness.flatMap(formatUnused));

  const count = (status: string) => results.filter((r) => r.status === status).length;
  const missing = run.checkIds.length - results.filter((r) => r.status !== 'running').length;
  const elapsed = run.startedAt && run.finishedAt ? run.finishedAt.getTime() - run.startedAt.getTime() : null;
  out.push('', [
    `${run.checkIds.length} check${run.checkIds.length === 1 ? '' : 's'}: ${count('pass')} passed, ${count('fail')} failed, ${count('error')} could not be verified`
      + (missing > 0 ? `, ${missing} without a result` : ''),
    `in ${formatDuration(elapsed)}`,
    `(run ${run.id}, ${run.status})`,
  ].join(' '));
  return `${out.join('\n')}\n`;
}
