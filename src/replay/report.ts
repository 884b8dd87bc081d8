/** The replay report as text: the correct-migration line, the mutation-score table, and counterexamples. */
import { describeCase } from './format-case.js';
import type { ScenarioSpec } from './scenario/schema.js';
import { effective, type FailureReport, type MutationTally, type ReplayReport } from './tally.js';

function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function verdictOf(t: MutationTally, requireNamed: boolean, watched: boolean): string {
  if (t.failure || t.missed > 0 || t.checkErrors > 0 || (requireNamed && t.unnamed > 0)) return 'MISSED';
  if (effective(t) === 0 && t.needs && !watched) return `needs ${t.needs}`;
  if (effective(t) === 0) return 'untested';
  return 'caught';
}

/** The mutation-score table: one row per mutation, which checks caught it and how often. */
export function scoreTable(report: ReplayReport, requireNamed = false): string[] {
  const rows = report.mutations.map((t) => [
    t.id,
    verdictOf(t, requireNamed, report.unused.watched),
    String(t.cases),
    String(effective(t)),
    String(t.caught + t.stepFailed),
    String(t.named),
    String(t.missed + t.checkErrors),
    Object.entries(t.caughtBy).sort((a, b) => b[1] - a[1]).map(([id, n]) => `${id} (${n})`).join(', ') || (t.stepFailed > 0 ? '(a later step failed)' : '-'),
  ]);
  const effectiveTotal = report.mutations.reduce((n, t) => n + effective(t), 0);
  const caughtTotal = report.mutations.reduce((n, t) => n + t.caught + t.stepFailed, 0);
  const score = effectiveTotal === 0 ? 'n/a' : `${((100 * caughtTotal) / effectiveTotal).toFixed(1)}%`;
  return [
    ...table(['mutation', 'verdict', 'cases', 'effective', 'caught', 'keys named', 'missed', 'caught by'], rows),
    `mutation score: ${score} (${caughtTotal} of ${effectiveTotal} effective mutants caught; mutants with no effect on the data are not counted)`,
  ];
}

/** Failure details: what went wrong, the shrunk case as data, and the command that replays it. */
export function describeFailure(f: FailureReport, spec: ScenarioSpec, reproduce: string): string[] {
  return [
    `✗ ${f.property} — counterexample after ${f.shrinks} shrink${f.shrinks === 1 ? '' : 's'}`,
    `  seed ${f.seed}, path ${f.path}`,
    `  reproduce: ${reproduce} --seed ${f.seed} --path ${f.path}${f.mutation ? ` --mutation ${f.mutation}` : ''}`,
    ...(f.counterexample ? ['  case:', ...describeCase(spec, f.counterexample).split('\n').map((l) => `    ${l}`)] : []),
    '  what happened:',
    ...f.message.split('\n').map((l) => `    ${l}`),
    ...(f.counterexample ? ['  case as JSON:', `    ${JSON.stringify(f.counterexample)}`] : []),
  ];
}

/** Whether the contract window was watched: unused checks that did not run are said so, never passed over. */
function unusedLine(report: ReplayReport): string[] {
  const { checks, watched } = report.unused;
  if (checks.length === 0) return [];
  return watched
    ? [`✓ unused checks (${checks.join(', ')}) passed over the contract window after stop-old-writes in every correct case`]
    : [`! unused checks (${checks.join(', ')}) NOT run: they need Postgres with pg_stat_statements preloaded (parity replay --database), and steps.stop_old_writes; mutations only they can catch are not tried`];
}

/** The whole report as printed by `parity replay`. */
export function formatReport(report: ReplayReport, spec: ScenarioSpec, reproduce: string, requireNamed = false): string {
  const c = report.correct;
  const lines = [
    `scenario ${report.scenario} on ${report.engine} — seed ${report.seed}, ${report.runs} cases, ${(report.durationMs / 1000).toFixed(1)}s`,
    c.failure
      ? `✗ correct migration failed after ${c.cases} passing cases`
      : `✓ correct migration: ${c.cases} cases passed every check, and a backfill rerun from scratch changed nothing (${c.killed} killed mid-batch and resumed; ${c.rows} rows, ${c.batches} batches, ${c.writes} application writes interleaved)`,
    ...unusedLine(report),
    '',
    ...scoreTable(report, requireNamed),
  ];
  const failures = [c.failure, ...report.mutations.map((t) => t.failure)].filter((f): f is FailureReport => f !== undefined);
  for (const f of failures) lines.push('', ...describeFailure(f, spec, reproduce));
  lines.push('', report.ok ? 'result: every effective mutation was caught' : 'result: FAILED');
  return lines.join('\n');
}
