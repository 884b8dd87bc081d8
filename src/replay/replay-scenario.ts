/**
 * The replay engine: fast-check properties over generated cases of one scenario.
 *  - every case replays the correct migration (dual writes interleaved with the backfill, maybe a
 *    kill mid-batch) and requires every check to pass and a from-scratch rerun to change nothing;
 *  - the case then injects one mutation, chosen by the case, and records whether a check caught
 *    it and named the affected keys.
 * A missed mutation does not stop the run (the score table needs every row); afterwards the first
 * missing case is replayed as a focused property from its exact seed and path, and shrunk. A
 * mutation that never changed the data gets extra cases of its own, so none goes untested.
 */
import fc from 'fast-check';
import { caseArbitrary, type ReplayCase } from './arbitraries/case.js';
import type { ReplayDatabase } from './database.js';
import { createReplayHarness } from './harness.js';
import type { MutationInstance, Scenario } from './scenario/load.js';
import { correctRunProblems, describeVerdict, isMissed } from './verdict.js';
import { effective, emptyTally, tallyCorrect, tallyMutation, type FailureReport, type ReplayReport } from './tally.js';

/** How many cases, from which seed, and how strictly to judge. */
export interface ReplayOptions {
  /** Cases to generate (each replays the correct migration and one mutation). */
  runs: number;
  seed: number;
  /** Replays the case at this fast-check path (and its shrinks) only. */
  path?: string | undefined;
  /** With path: replay this mutation on that case instead of the one the case picks. */
  mutation?: string | undefined;
  /** Count a catch only when a failing check names an affected key in its samples. */
  requireNamedKeys?: boolean;
  /** Shrink counterexamples (default true); without, the first failing case is reported as found. */
  shrink?: boolean;
  /** Extra cases for a mutation that never changed the data in the main run (default 25). */
  topUpRuns?: number;
  /**
   * Share of cases that also replay a mutation (default 1: every case). A mutated replay costs
   * about as much as the correct one, so a time-boxed test suite may trade some of them away.
   */
  mutationRate?: number;
}

/** A property's failure; `mutation` is unset when the correct migration itself failed. */
class ReplayFailure extends Error {
  override readonly name = 'ReplayFailure';
  constructor(message: string, readonly mutation?: string) {
    super(message);
  }
}

/** Runs the scenario's properties on the database and returns the tallies and any counterexamples. */
export async function replayScenario(scenario: Scenario, db: ReplayDatabase, options: ReplayOptions): Promise<ReplayReport> {
  const started = performance.now();
  const harness = createReplayHarness(scenario, db);
  const arbitrary = caseArbitrary(scenario.spec);
  const requireNamed = options.requireNamedKeys ?? false;
  const report = emptyTally(scenario, db, options);
  const focus = options.mutation === undefined ? undefined : harness.mutation(options.mutation);

  // The case's `choice` (0-99) decides both whether it mutates and which mutation it picks.
  const rate = options.mutationRate ?? 1;
  const chosen = (c: ReplayCase) => focus ?? (c.mutation.choice < rate * 100 ? scenario.mutations[c.mutation.choice % scenario.mutations.length] : undefined);
  const firstMiss = new Map<string, number>();
  let index = 0;
  let recording = true;
  const combined = fc.asyncProperty(arbitrary, async (c) => {
    const i = index++;
    const ref = await harness.correct(c);
    const problems = correctRunProblems(ref);
    if (problems.length > 0) {
      recording = false;
      throw new ReplayFailure(['the correct migration failed:', ...problems].join('\n'));
    }
    if (recording) tallyCorrect(report.correct, c, ref);
    const m = chosen(c);
    if (!m) return;
    const verdict = await harness.mutate(c, m);
    if (recording) tallyMutation(report.mutations.find((t) => t.id === m.id)!, verdict);
    if (isMissed(verdict, requireNamed)) {
      if (options.path !== undefined) throw new ReplayFailure(`mutation ${m.id} was not caught:\n${describeVerdict(verdict)}`, m.id);
      if (!firstMiss.has(m.id)) firstMiss.set(m.id, i);
    }
  });
  // A focused property injects one mutation into every case; a miss fails it, so fast-check shrinks.
  const focusedOn = (m: MutationInstance, mode: { topUp?: boolean } = {}) => {
    const tally = report.mutations.find((t) => t.id === m.id)!;
    return fc.asyncProperty(arbitrary, async (c) => {
      if (mode.topUp && effective(tally) > 0) return; // topped up: the remaining runs cost nothing
      const problems = correctRunProblems(await harness.correct(c));
      if (problems.length > 0) {
        // A new case that breaks the correct migration is a finding in its own right; a shrink
        // step that does is just not a counterexample of this mutation.
        if (mode.topUp) throw new ReplayFailure(['the correct migration failed:', ...problems].join('\n'));
        return; // not a counterexample of this property
      }
      const verdict = await harness.mutate(c, m);
      if (mode.topUp) tallyMutation(tally, verdict);
      if (isMissed(verdict, requireNamed)) throw new ReplayFailure(`mutation ${m.id} was not caught:\n${describeVerdict(verdict)}`, m.id);
    });
  };
  const settle = (details: fc.RunDetails<[ReplayCase]>, seed: number) => {
    if (!details.failed) return;
    const failure = failureOf(details, seed);
    const tally = report.mutations.find((t) => t.id === failure.mutation);
    if (tally) tally.failure = failure;
    else report.correct.failure ??= failure;
  };

  // A path points at an already shrunk counterexample: replay it once, without shrinking further.
  const replaying = options.path !== undefined ? { path: options.path, numRuns: 1, endOnFailure: true } : { numRuns: options.runs, endOnFailure: options.shrink === false };
  const details = await fc.check(combined, { seed: options.seed, ...replaying });
  settle(details, options.seed);

  // Each missed mutation: replay its first missing case alone, from the same seed and path, and shrink it.
  for (const [id, at] of firstMiss) settle(await fc.check(focusedOn(harness.mutation(id)), { seed: options.seed, path: String(at), numRuns: 1, endOnFailure: options.shrink === false }), options.seed);

  // A mutation that never changed the data was not tested: give it its own cases until it does.
  if (options.path === undefined && !report.correct.failure) {
    for (const [i, m] of scenario.mutations.entries()) {
      const tally = report.mutations.find((t) => t.id === m.id)!;
      if (effective(tally) > 0 || tally.failure || (options.mutation !== undefined && m.id !== options.mutation)) continue;
      // Not applicable on this database in every case alike: more cases would only say so again.
      if (m.definition.needs && !report.unused.watched) continue;
      const seed = (options.seed + 1 + i) | 0;
      settle(await fc.check(focusedOn(m, { topUp: true }), { seed, numRuns: options.topUpRuns ?? 25 }), seed);
    }
  }
  await harness.close();
  report.durationMs = Math.round(performance.now() - started);
  report.ok = !report.correct.failure && report.mutations.every((t) => t.missed === 0 && t.checkErrors === 0 && !t.failure && (!requireNamed || t.unnamed === 0));
  return report;
}

function failureOf(details: fc.RunDetails<[ReplayCase]>, seed: number): FailureReport {
  const error = details.errorInstance;
  const mutation = error instanceof ReplayFailure ? error.mutation : undefined;
  return {
    property: mutation ? `mutation ${mutation}` : 'correct migration',
    mutation,
    seed,
    path: details.counterexamplePath ?? '',
    shrinks: details.numShrinks,
    counterexample: details.counterexample?.[0] ?? null,
    message: error instanceof ReplayFailure ? error.message : `replay crashed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`,
  };
}
