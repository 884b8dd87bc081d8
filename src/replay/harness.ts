/**
 * Replaying single cases of a scenario: the correct migration (remembered per case, since every
 * mutation of a case is placed relative to it) and a mutated replay judged by its drift. The
 * properties drive this; regression tests call it with fixed cases.
 */
import { correctRunKey, type ReplayCase } from './arbitraries/case.js';
import { createCheckRunner } from './checks.js';
import type { ReplayDatabase } from './database.js';
import { createCaseRunner, type CaseRun } from './run-case.js';
import type { MutationInstance, Scenario } from './scenario/load.js';
import { judgeMutation, notApplicable, type MutationVerdict } from './verdict.js';

/** Single-case replays: the correct migration, and one mutation judged against the data. */
export interface ReplayHarness {
  /** The correct migration on this case: consistency oracle, checks at the gate, contract. */
  correct(c: ReplayCase): Promise<CaseRun>;
  /** The case with mutation `m` injected at the step the case picks, judged. */
  mutate(c: ReplayCase, m: MutationInstance): Promise<MutationVerdict>;
  /** The scenario's mutation with this id (throws listing the ids when unknown). */
  mutation(id: string): MutationInstance;
  close(): Promise<void>;
}

const REMEMBERED_RUNS = 16;

/** A harness over one scenario and one replay database. */
export function createReplayHarness(scenario: Scenario, db: ReplayDatabase): ReplayHarness {
  const checks = createCheckRunner(scenario, db);
  const runner = createCaseRunner(scenario, db, checks);
  // Recent correct runs: a mutated replay of a case right after its correct one reuses it. Bounded,
  // since a long hunt generates thousands of cases.
  const correctRuns = new Map<string, CaseRun>();

  async function correct(c: ReplayCase): Promise<CaseRun> {
    const key = correctRunKey(c);
    let run = correctRuns.get(key);
    if (!run) {
      run = await runner.runCase(c, { contract: true });
      correctRuns.set(key, run);
      if (correctRuns.size > REMEMBERED_RUNS) correctRuns.delete(correctRuns.keys().next().value!);
    }
    return run;
  }

  return {
    correct,
    async mutate(c, m) {
      const reference = await correct(c);
      // Steps are counted in the correct run: the mutation strikes after one of its batches, or
      // between two of the writes after the read switch.
      if (m.definition.window === 'backfill' && reference.batches === 0) return notApplicable('no backfill batch processed a row');
      if (m.definition.needs === 'pg_stat_statements' && !checks.watchesContract) return notApplicable(`only unused checks can see it, and they need Postgres with pg_stat_statements (${db.description} has none)`);
      const step = m.definition.window === 'backfill' ? c.mutation.at % reference.batches : c.mutation.at % (c.afterSwitch.length + 1);
      return judgeMutation(await runner.runCase(c, { mutation: { instance: m, step, victim: c.mutation.victim } }), m.definition.window);
    },
    mutation(id) {
      const found = scenario.mutations.find((m) => m.id === id);
      if (!found) throw new Error(`unknown mutation "${id}"; this scenario has: ${scenario.mutations.map((m) => m.id).join(', ') || '(none)'}`);
      return found;
    },
    close: () => checks.close(),
  };
}
