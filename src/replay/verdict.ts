/**
 * Judging replays, purely from their results. A correct migration must pass every check, survive a
 * kill mid-batch and rerun idempotently. A mutated one is judged against the correct run of the
 * same case: the rows that differ are the affected keys, and a check "names" the defect when one of
 * its samples carries an affected key.
 */
import type { JsonValue, Sample } from '../results/outcome.js';
import type { CheckOutcome } from './checks.js';
import type { CaseRun } from './run-case.js';
import type { MutationWindow } from './mutations/catalogue.js';
import { affectedKeys, type KeyRef, type RowDifference } from './snapshot.js';

/** How one mutated replay ended. */
export type MutationOutcome = 'not_applicable' | 'no_effect' | 'step_failed' | 'caught' | 'missed' | 'check_error';

/** The judgement of one mutated replay, with the evidence. */
export interface MutationVerdict {
  outcome: MutationOutcome;
  /** Why the mutation could not apply, or which step it broke. */
  note?: string;
  victim?: KeyRef | undefined;
  differences: RowDifference[];
  affected: KeyRef[];
  /** Checks that failed. */
  caughtBy: string[];
  /** Failed checks whose samples name an affected key. */
  namedBy: string[];
  checks: CheckOutcome[];
}

function text(value: JsonValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** True when the sample identifies `ref`: each key column appears (in its key or detail) with the same value. */
export function sampleNames(sample: Sample, ref: KeyRef): boolean {
  return Object.entries(ref.key).every(([column, value]) => (text(sample.key[column]) ?? text(sample.detail?.[column])) === value);
}

/** A verdict for a mutation that had nowhere to strike in this case. */
export function notApplicable(note: string): MutationVerdict {
  return { outcome: 'not_applicable', note, differences: [], affected: [], caughtBy: [], namedBy: [], checks: [] };
}

/**
 * Judges a mutated run. The affected keys are the rows where old and new disagree at the gate (the
 * run's drift): a defect that left the data consistent had no effect a check could see.
 */
export function judgeMutation(run: CaseRun, window: MutationWindow = 'backfill'): MutationVerdict {
  const base = { victim: run.mutation?.victim, checks: window === 'contract_window' ? [...run.checks ?? [], ...run.watched ?? []] : run.checks ?? [] };
  if (run.failure) {
    return { ...base, outcome: 'step_failed', note: `${run.failure.step}: ${run.failure.message}`, differences: [], affected: [], caughtBy: [], namedBy: [] };
  }
  if (!run.mutation?.injected) return { ...notApplicable('no row qualified as a victim'), ...base };
  if (window === 'contract_window') return judgeWatched(run, base);
  const differences = run.drift ?? [];
  // When the backfill could not even rerun, the victim is the row known to be affected.
  const affected = run.rerunError !== undefined ? (run.mutation.victim ? [run.mutation.victim] : []) : affectedKeys(differences);
  const note = run.rerunError !== undefined ? `a backfill rerun from scratch fails on the mutated data: ${run.rerunError}` : undefined;
  const failed = base.checks.filter((c) => c.status === 'fail');
  const caughtBy = failed.map((c) => c.id);
  const namedBy = failed.filter((c) => c.samples.some((s) => affected.some((ref) => sampleNames(s, ref)))).map((c) => c.id);
  const outcome: MutationOutcome = affected.length === 0 && note === undefined ? 'no_effect'
    : failed.length > 0 ? 'caught'
      : base.checks.some((c) => c.status === 'error') ? 'check_error'
        : 'missed';
  return { ...base, outcome, ...(note ? { note } : {}), differences, affected, caughtBy, namedBy };
}

/**
 * A use of the old shape after old writes stopped changes no data a check compares: it is always
 * effective, and caught only when an `unused` check at the window's end fails naming a use of
 * the shape (a sample whose key is the target it used).
 */
function judgeWatched(run: CaseRun, base: { victim: KeyRef | undefined; checks: CheckOutcome[] }): MutationVerdict {
  const watched = run.watched ?? [];
  const failed = watched.filter((c) => c.status === 'fail');
  const namedBy = failed.filter((c) => c.samples.some((s) => typeof s.key['target'] === 'string')).map((c) => c.id);
  const outcome: MutationOutcome = failed.length > 0 ? 'caught' : watched.some((c) => c.status === 'error') || watched.length === 0 ? 'check_error' : 'missed';
  return { ...base, outcome, differences: [], affected: base.victim ? [base.victim] : [], caughtBy: failed.map((c) => c.id), namedBy };
}

/** Whether a verdict is a failure of the scenario's verification. */
export function isMissed(verdict: MutationVerdict, requireNamedKeys: boolean): boolean {
  if (verdict.outcome === 'missed' || verdict.outcome === 'check_error') return true;
  return requireNamedKeys && verdict.outcome === 'caught' && verdict.namedBy.length === 0;
}

function describeSample(s: Sample): string {
  const parts = [`key ${JSON.stringify(s.key)}`];
  if (s.old !== undefined) parts.push(`old ${JSON.stringify(s.old)}`);
  if (s.new !== undefined) parts.push(`new ${JSON.stringify(s.new)}`);
  if (s.detail !== undefined) parts.push(`detail ${JSON.stringify(s.detail)}`);
  return `${s.category}: ${parts.join(', ')}`;
}

/** One line per check, with a few samples under failing ones. */
export function describeChecks(checks: readonly CheckOutcome[], onlyProblems = false): string[] {
  return checks.filter((c) => !onlyProblems || c.status !== 'pass').flatMap((c) => [
    `check ${c.id} (${c.kind}): ${c.status} — ${c.summary}`,
    ...c.samples.slice(0, 3).map((s) => `    ${describeSample(s)}`),
  ]);
}

function describeDifference(d: RowDifference): string {
  return `${d.table} ${JSON.stringify(d.key)}: ${d.before.join(' | ') || '(absent)'} → ${d.after.join(' | ') || '(absent)'}`;
}

/** Why a correct run is not correct; empty when it passed everything. Pure. */
export function correctRunProblems(run: CaseRun): string[] {
  if (run.failure) return [`step ${run.failure.step} failed: ${run.failure.message}`];
  const problems: string[] = [];
  if (run.drift && run.drift.length > 0) {
    problems.push(`old and new disagree at the end: running the backfill again from scratch${run.killed ? ' (this case killed a batch and restarted)' : ''} would change ${run.drift.length} row(s) — it is not idempotent, not resumable, or a dual write fell behind:`,
      ...run.drift.slice(0, 5).map((d) => `    ${describeDifference(d)}`));
  }
  const bad = [...run.checks ?? [], ...run.watched ?? []].filter((c) => c.status !== 'pass');
  if (bad.length > 0) problems.push('checks did not pass on the correct migration:', ...describeChecks(bad).map((l) => `  ${l}`));
  return problems;
}

/** Explains a missed (or unnamed) mutation for a failure report. */
export function describeVerdict(verdict: MutationVerdict): string {
  const lines = [`outcome: ${verdict.outcome}${verdict.note ? ` (${verdict.note})` : ''}`];
  if (verdict.victim) lines.push(`victim: ${verdict.victim.table} ${JSON.stringify(verdict.victim.key)}`);
  if (verdict.differences.length > 0) lines.push('rows where old and new disagree (current → what a backfill from scratch would write):', ...verdict.differences.slice(0, 5).map((d) => `  ${describeDifference(d)}`));
  lines.push(...describeChecks(verdict.checks));
  return lines.join('\n');
}
