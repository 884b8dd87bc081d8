/** Counting what replay saw: the correct migration's cases and each mutation's outcomes. */
import type { ReplayCase } from './arbitraries/case.js';
import type { ReplayDatabase } from './database.js';
import type { CaseRun } from './run-case.js';
import type { Scenario } from './scenario/load.js';
import type { MutationVerdict } from './verdict.js';

/** A property that failed, with everything needed to read and reproduce it. */
export interface FailureReport {
  property: string;
  mutation?: string | undefined;
  seed: number;
  /** fast-check path of the shrunk counterexample; `--seed S --path P` replays it. */
  path: string;
  shrinks: number;
  counterexample: ReplayCase | null;
  message: string;
}

/** What the correct-migration cases covered. */
export interface CorrectTally {
  cases: number;
  /** Cases whose backfill was killed mid-batch and restarted. */
  killed: number;
  rows: number;
  batches: number;
  /** Application writes applied while the backfill ran (before the read switch) and after it. */
  writes: number;
  failure?: FailureReport;
}

/** One row of the mutation-score table. */
export interface MutationTally {
  id: string;
  className: string;
  description: string;
  cases: number;
  notApplicable: number;
  noEffect: number;
  stepFailed: number;
  caught: number;
  /** Caught, and a failing check named an affected key. */
  named: number;
  /** Caught, but no failing check named an affected key. */
  unnamed: number;
  missed: number;
  checkErrors: number;
  /** Check id → cases it failed in. */
  caughtBy: Record<string, number>;
  /** Evidence only some databases have, without which the mutation cannot be caught (nor is it tried). */
  needs?: 'pg_stat_statements' | undefined;
  failure?: FailureReport;
}

/** Everything `parity replay` prints (or emits as JSON). */
export interface ReplayReport {
  scenario: string;
  dir: string;
  engine: string;
  seed: number;
  runs: number;
  durationMs: number;
  correct: CorrectTally;
  mutations: MutationTally[];
  /** The scenario's `unused` checks and whether they ran (they need pg_stat_statements, and stop_old_writes). */
  unused: { checks: string[]; watched: boolean };
  /** Correct migration passed and no mutation was missed. */
  ok: boolean;
}

/** A report with nothing counted yet. */
export function emptyTally(scenario: Scenario, db: ReplayDatabase, options: { runs: number; seed: number }): ReplayReport {
  return {
    scenario: scenario.name,
    dir: scenario.dir,
    engine: db.description,
    seed: options.seed,
    runs: options.runs,
    durationMs: 0,
    correct: { cases: 0, killed: 0, rows: 0, batches: 0, writes: 0 },
    unused: {
      checks: scenario.checks.checks.filter((c) => c.spec.kind === 'unused').map((c) => c.spec.id),
      watched: db.statementStats && scenario.steps.stop_old_writes !== undefined && scenario.checks.checks.some((c) => c.spec.kind === 'unused'),
    },
    mutations: scenario.mutations.map((m) => ({
      id: m.id, className: m.class, description: m.description ?? m.definition.description, needs: m.definition.needs,
      cases: 0, notApplicable: 0, noEffect: 0, stepFailed: 0, caught: 0, named: 0, unnamed: 0, missed: 0, checkErrors: 0, caughtBy: {},
    })),
    ok: false,
  };
}

/** Counts one passing correct run. */
export function tallyCorrect(t: CorrectTally, c: ReplayCase, run: CaseRun): void {
  t.cases++;
  if (run.killed) t.killed++;
  t.rows += Object.values(c.rows).reduce((n, rows) => n + rows.length, 0);
  t.batches += run.batches;
  t.writes += run.writes.applied;
}

/** Counts one mutation verdict. */
export function tallyMutation(t: MutationTally, v: MutationVerdict): void {
  t.cases++;
  switch (v.outcome) {
    case 'not_applicable': t.notApplicable++; break;
    case 'no_effect': t.noEffect++; break;
    case 'step_failed': t.stepFailed++; break;
    case 'missed': t.missed++; break;
    case 'check_error': t.checkErrors++; break;
    case 'caught':
      t.caught++;
      if (v.namedBy.length > 0) t.named++;
      else t.unnamed++;
      for (const id of v.caughtBy) t.caughtBy[id] = (t.caughtBy[id] ?? 0) + 1;
      break;
  }
}

/** Cases where the defect changed the database (the denominator of the score). */
export function effective(t: MutationTally): number {
  return t.caught + t.missed + t.checkErrors + t.stepFailed;
}
