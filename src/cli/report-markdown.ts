/**
 * Markdown for CI job summaries ($GITHUB_STEP_SUMMARY, GitLab/Azure summaries): a headline that
 * says pass, fail or could-not-verify, a table with one row per check, and the evidence of each
 * check that did not pass. The headline follows the exit code, so a failure never reads as a pass. Pure.
 */
import { passNotCountedLabel } from '../gate/denials.js';
import type { FinishedRun } from '../runner/run-types.js';
import { humanAge } from '../gate/evaluate-gate.js';
import { EXIT } from './exit.js';
import { formatCountCell, formatDuration, formatKey, formatSample, orderedResults } from './format.js';
import { exitCodeForGate, type GateAnswer } from './gate-answer.js';
import { escapeMarkdownCell, markdownCode } from './report-escape.js';
import { readEvidence } from '../results/read-evidence.js';

const ICON: Record<string, string> = { pass: '✅', fail: '❌', error: '⚠️' };
const icon = (status: string) => ICON[status] ?? '⚠️';
const code = (text: string) => markdownCode(text).replaceAll('|', '\\|');
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

/** A finished run as Markdown; `exitCode` is what the command exits with (the headline follows it). */
export function markdownForRun(run: FinishedRun, exitCode: number): string {
  const results = orderedResults(run);
  const count = (status: string) => results.filter((r) => r.status === status).length;
  const missing = run.checkIds.filter((id) => !results.some((r) => r.checkId === id));
  const unverified = results.length - count('pass') - count('fail') + missing.length;
  const tally = `${count('pass')} passed, ${count('fail')} failed, ${unverified} could not be verified`;
  const headline = exitCode === EXIT.ok ? `✅ parity run: every check passed (${tally})`
    : exitCode === EXIT.failed ? `❌ parity run: a check failed (${tally})`
      : `⚠️ parity run: could not verify (${tally}${run.checkIds.length === 0 ? '; the run selected no check' : ''}${run.status === 'finished' ? '' : `; the run ended ${run.status}`})`;
  const out = [`### ${headline}`, '',
    row(['', 'check', 'kind', 'status', 'mismatches', 'rows scanned', 'duration', 'summary']),
    row(['---', '---', '---', '---', '---:', '---:', '---:', '---'])];
  for (const r of results) {
    const obs = r.observations as Record<string, unknown>;
    out.push(row([icon(r.status), code(r.checkId), r.kind, `**${r.status}**`, formatCountCell(obs.mismatches), formatCountCell(obs.rows_scanned),
      formatDuration(r.durationMs), escapeMarkdownCell(r.summary ?? '')]));
  }
  for (const id of missing) out.push(row(['⚠️', code(id), '', '**no result**', '-', '-', '-', 'could not verify: the check has no result in this run']));
  // Resumed from, incremental coverage, replica lag, last progress figures — as `parity run` prints them.
  const evidence = results.flatMap((r) => readEvidence({ observations: r.observations, servers: r.servers }).map((line) => `- ${code(r.checkId)}: ${escapeMarkdownCell(line.text)}`));
  if (evidence.length > 0) out.push('', '**How each result was read:**', '', ...evidence);

  for (const r of results.filter((x) => x.status === 'fail')) {
    const samples = r.samples ?? [];
    const keyWidth = Math.max(0, ...samples.map((s) => formatKey(s.key).length));
    out.push('', `<details><summary>${escapeMarkdownCell(`${r.checkId} failed: ${r.summary ?? ''}`)}</summary>`, '',
      samples.length === 0 ? '(no samples: this kind reports counts only)' : ['```text', ...samples.map((s) => formatSample(s, keyWidth).replaceAll('```', '`\u200b``')), '```'].join('\n'),
      '', '</details>');
  }
  const errored = results.filter((r) => r.status !== 'pass' && r.status !== 'fail');
  if (errored.length > 0) {
    out.push('', '**Could not verify:**', '');
    for (const r of errored) {
      const e = r.error;
      out.push(`- ${code(r.checkId)}: ${escapeMarkdownCell(e ? `${e.code}${e.sqlstate ? ` (SQLSTATE ${e.sqlstate})` : ''}: ${e.message}` : (r.summary ?? `no outcome (status ${r.status})`))}`);
    }
  }
  out.push('', `<sub>run ${code(run.id)} (${run.status})</sub>`, '');
  return out.join('\n');
}

/** A command that ended without a run (exit 2 or 64): a headline that is not a pass, and why. */
export function markdownForNoOutcome(command: 'run' | 'gate', exitCode: number, message: string): string {
  const what = exitCode === EXIT.badConfig ? 'bad configuration' : 'could not verify';
  return [`### ⚠️ parity ${command}: ${what} (exit ${exitCode})`, '', `- ${escapeMarkdownCell(message)}`, ''].join('\n');
}

/** A gate answer as Markdown: the verdict, one row per required check, and the reasons. */
export function markdownForGate(answer: GateAnswer): string {
  const title = `${code(answer.migration)} → ${code(answer.phase)}`;
  const exit = exitCodeForGate(answer);
  const headline = exit === EXIT.ok ? `✅ Gate ${title}: **ALLOWED**`
    : exit === EXIT.failed ? `❌ Gate ${title}: **DENIED**`
      : answer.error?.code === 'bad_configuration' ? `⚠️ Gate ${title}: **BAD CONFIGURATION** (not asked; not allowed)`
        : `⚠️ Gate ${title}: **COULD NOT EVALUATE** (not allowed)`;
  const out = [`### ${headline}${answer.refreshed ? ' (checks re-run)' : ''}`, ''];
  if (answer.checks.length > 0) {
    out.push(row(['', 'check', 'status', 'finished', 'reason']), row(['---', '---', '---', '---', '---']));
    for (const c of answer.checks) {
      const age = c.age_s === null ? 'never' : `${humanAge(c.age_s * 1000)} ago`;
      // A pass that does not count says why ("pass (stale definition)"), as in the text table.
      const status = c.reason !== null && c.status === 'pass' ? `**pass** (${passNotCountedLabel(c.denial)})` : `**${c.status}**`;
      out.push(row([c.reason === null ? '✅' : (c.status === 'fail' ? '❌' : '⚠️'), code(c.id), status, age, escapeMarkdownCell(c.reason ?? '')]));
    }
    out.push('');
  }
  if (answer.reasons.length > 0) out.push('**Reasons:**', '', ...answer.reasons.map((r) => `- ${escapeMarkdownCell(r)}`), '');
  out.push(answer.id ? `<sub>decision ${code(answer.id)} recorded${answer.requested_by ? ` (asked by ${escapeMarkdownCell(answer.requested_by)})` : ''}</sub>` : '<sub>no decision was recorded</sub>', '');
  return out.join('\n');
}
