/**
 * Replay's contract window on a throwaway Postgres 15 cluster with pg_stat_statements preloaded:
 * after stop-old-writes, a writer that keeps writing the old column and a hidden reader (a
 * reporting view, a recorded export query) change no data a check compares, and each is caught by
 * the scenario's `unused` check in every case where it strikes — while the correct migration's
 * `unused` check passes over the same window.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresReplay, type ReplayDatabase } from '../../src/replay/database.js';
import { replayScenario } from '../../src/replay/replay-scenario.js';
import { formatReport } from '../../src/replay/report.js';
import { loadScenario } from '../../src/replay/scenario/load.js';
import { effective } from '../../src/replay/tally.js';
import fc from 'fast-check';
import { caseArbitrary } from '../../src/replay/arbitraries/case.js';
import { createReplayHarness } from '../../src/replay/harness.js';
import { describeVerdict, type MutationVerdict } from '../../src/replay/verdict.js';
import { createScratchCluster, type ScratchCluster } from '../support/scratch-cluster.js';
import { SCENARIOS_DIR, replaySeed } from './support.js';

const WATCHED = ['writer_after_stop', 'hidden_reader'];
const SCENARIOS = ['01-split-full-name', '02-amount-to-cents', '03-local-time-to-timestamptz', '04-email-lowercase-unique', '05-status-lookup-table', '06-orders-active-archived'];
const RUNS = Number(process.env.REPLAY_CONTRACT_RUNS ?? 12);

describe('replay: the contract window on Postgres with pg_stat_statements (throwaway cluster)', () => {
  let cluster: ScratchCluster;
  let db: ReplayDatabase;
  beforeAll(async () => {
    // Each case re-creates its tables, so each case's statements are new pg_stat_statements entries: room for all of them.
    cluster = await createScratchCluster({ shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.max': '20000' });
    db = await openPostgresReplay(cluster.url);
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    await cluster?.destroy();
  });

  it('installs pg_stat_statements in the scratch database, so unused checks run', () => {
    expect(db.statementStats).toBe(true);
  });

  it('names the writer\'s statement and the hidden view in the unused check\'s findings (scenario 01, fixed cases)', async () => {
    const scenario = await loadScenario(path.join(SCENARIOS_DIR, '01-split-full-name'));
    const harness = createReplayHarness(scenario, db);
    const findings = (v: MutationVerdict) => v.checks.filter((c) => c.kind === 'unused').flatMap((c) => c.samples.map((s) => String(s.detail?.['finding']))).join('\n');
    const expected: Record<string, RegExp> = {
      writer_after_stop: /role postgres ran `update "users" set full_name = .*` 1 times in the last 24h \(writes public\.users\.full_name\)/,
      hidden_reporting_view: /view user_export depends on public\.users\.full_name/,
      recorded_export_query: /role postgres ran `select id, full_name from users order by id` 1 times in the last 24h \(reads public\.users\.full_name\)/,
    };
    try {
      for (const [id, pattern] of Object.entries(expected)) {
        let caught = 0;
        for (const c of fc.sample(caseArbitrary(scenario.spec), { seed: 7, numRuns: 20 })) {
          const verdict = await harness.mutate(c, harness.mutation(id));
          if (verdict.outcome === 'not_applicable') continue;
          expect(verdict.outcome, describeVerdict(verdict)).toBe('caught');
          expect(findings(verdict)).toMatch(pattern);
          if (++caught === 2) break;
        }
        expect(caught, id).toBeGreaterThan(0);
      }
    } finally {
      await harness.close();
    }
  }, 300_000);

  it.each(SCENARIOS)('%s: the correct migration passes its unused check, and every use after stop-old-writes is caught by it', async (name) => {
    const scenario = await loadScenario(path.join(SCENARIOS_DIR, name));
    const report = await replayScenario(scenario, db, { runs: RUNS, seed: replaySeed(), requireNamedKeys: true, mutationRate: 1, topUpRuns: 10 });
    const text = formatReport(report, scenario.spec, `parity replay scenarios/${name} --require-keys --database <server with pg_stat_statements>`, true);
    console.log(text);
    expect(report.correct.failure, text).toBeUndefined();
    const watched = report.mutations.filter((m) => WATCHED.includes(m.className));
    expect(watched.map((m) => m.className).sort(), 'the scenario declares both mutations').toEqual(expect.arrayContaining(WATCHED));
    const unusedIds = scenario.checks.checks.filter((c) => c.spec.kind === 'unused').map((c) => c.spec.id);
    for (const m of watched) {
      expect({ id: m.id, missed: m.missed, checkErrors: m.checkErrors, unnamed: m.unnamed, stepFailed: m.stepFailed }, text).toEqual({ id: m.id, missed: 0, checkErrors: 0, unnamed: 0, stepFailed: 0 });
      expect(effective(m), `${m.id} struck in at least one case\n${text}`).toBeGreaterThan(0);
      expect(Object.keys(m.caughtBy).every((id) => unusedIds.includes(id)), `${m.id} is caught by unused checks only: ${JSON.stringify(m.caughtBy)}`).toBe(true);
    }
    expect(report.ok, text).toBe(true);
  }, 900_000);
});
