/**
 * The properties every repository scenario must hold. One replay database per engine is shared
 * by the scenarios of a file (PGlite takes seconds to start; each case resets the schema anyway).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReplayDatabase, type ReplayDatabase } from '../../../src/replay/database.js';
import { effective } from '../../../src/replay/tally.js';
import { engines } from '../../support/databases.js';
import { RUNS, replayRepositoryScenario, type ScenarioReplay } from '../support.js';

/** Declares the replay tests of each scenarios/<name>, on every engine, plus `extra` suites on the same database. */
export function describeScenarios(names: readonly string[], extra?: (database: () => ReplayDatabase) => void): void {
  describe.each(engines)('replay on %s', (engine) => {
    let db: ReplayDatabase;
    beforeAll(async () => {
      db = await openReplayDatabase(engine === 'postgres' ? process.env.TEST_DATABASE_URL : undefined);
    });
    afterAll(() => db?.close());
    extra?.(() => db);

    describe.each(names)('scenario %s', (name) => {
      let replay: ScenarioReplay;
      // Generous: a shared 2-core machine running the whole suite can slow a scenario down several-fold.
      beforeAll(async () => {
        replay = await replayRepositoryScenario(name, db);
      }, 600_000);

      it(`passes every check on the correct migration, with application writes interleaved with the backfill (${RUNS} cases)`, () => {
        const { correct } = replay.report;
        expect(correct.failure, replay.text).toBeUndefined();
        expect(correct.cases).toBe(RUNS);
        expect(correct.writes, 'application writes ran during the migration').toBeGreaterThan(0);
      });

      it('leaves nothing for a backfill rerun from scratch to change, also after a batch was killed before COMMIT and the job restarted', () => {
        expect(replay.report.correct.failure, replay.text).toBeUndefined();
        expect(replay.report.correct.killed, 'some cases killed a batch and restarted').toBeGreaterThan(0);
      });

      it('catches every mutation with a failing check that names the affected keys', () => {
        const { mutations } = replay.report;
        expect(mutations.length).toBeGreaterThan(0);
        for (const m of mutations) {
          expect(m.failure, replay.text).toBeUndefined();
          expect({ id: m.id, missed: m.missed, checkErrors: m.checkErrors, unnamed: m.unnamed }, replay.text).toEqual({ id: m.id, missed: 0, checkErrors: 0, unnamed: 0 });
          if (m.needs && !replay.report.unused.watched) {
            // Only unused checks see it, and this database cannot show their evidence: never tried, never counted as caught.
            expect({ id: m.id, effective: effective(m), notApplicable: m.notApplicable }, replay.text).toEqual({ id: m.id, effective: 0, notApplicable: m.cases });
            expect(replay.text).toContain(`NOT run: they need Postgres with pg_stat_statements`);
            continue;
          }
          expect(effective(m), `${m.id} changed the data in at least one case\n${replay.text}`).toBeGreaterThan(0);
        }
        expect(replay.report.ok, replay.text).toBe(true);
      });
    });
  });
}
