/**
 * Resumable table_diff: a segmented diff interrupted after any segment — recorded, or diffed but
 * not yet recorded — is continued by the next run from the last recorded segment, and ends with
 * exactly the tally of an uninterrupted run: counts, per-column counts, samples, passes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../../src/runner/runner.js';
import type { FinishedRun } from '../../../src/runner/run-types.js';
import type { ResultRecord } from '../../../src/store/runs.js';
import type { Store } from '../../../src/store/store.js';
import type { Catalog } from '../../../src/catalog/catalog.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../../support/databases.js';
import { dyingStore, type Kill } from '../../support/dying-store.js';
import { catalogFromYaml, registryForCatalog } from '../../support/run-check.js';
import { formatRun } from '../../../src/cli/format.js';

const checkYaml = (segmentRows: number, extra = '') => `checks:
  - id: d
    kind: table_diff
    key: [id]
    old: { source: app, table: t_old }
    new: { source: app, table: t_new }
    max_differences: 149   # under the 150 rows the smallest case holds: one at or over both sides' rows could never fail
    stop_after: false
    sample: 4
    segment_rows: ${segmentRows}
${extra}`;

/** How the first run dies: after recording segment k, or after diffing segment k+1 but before recording it. */

describe.each(engines)('resuming table_diff on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  /** One run of the check; with `kill`, the run dies at that segment (cancelled, or its store fails mid-write). */
  async function run(catalog: Catalog, kill?: Kill): Promise<FinishedRun> {
    const sources = registryForCatalog(catalog, { app: db });
    let runId = '';
    const dying = dyingStore(store, kill, () => runner.cancel(runId));
    const runner = createRunner({ store: dying, sources });
    try {
      const started = await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' });
      runId = started.run.id;
      return await started.finished;
    } finally {
      await sources.closeAll();
    }
  }

  const result = (done: FinishedRun): ResultRecord => done.results.find((r) => r.checkId === 'd')!;
  /** Everything the diff found (what resumption must not change). */
  const tallyOf = (r: ResultRecord) => {
    // Where it resumed from and the timing of its last progress report differ by design; the tally may not.
    const { resumed_from: _resumed, progress: _progress, ...observations } = r.observations;
    return { status: r.status, observations, samples: (r.samples ?? []).map((s) => [s.category, s.key, s.old, s.new, s.detail ?? null]) };
  };

  async function seed(ids: number[], dice: () => number) {
    await db.exec('drop table if exists t_old; drop table if exists t_new');
    await db.exec('create table t_old (id int primary key, a text, b int); create table t_new (id int primary key, a text, b int)');
    if (ids.length === 0) return;
    const old = ids.map((id) => `(${id}, 'v${id}', ${id % 7})`);
    await db.exec(`insert into t_old values ${old.join(', ')}`);
    // New: most rows equal; some missing, some changed in a or b; some only in new (also beyond old's last key).
    const neu: string[] = [];
    for (const id of ids) {
      const roll = dice();
      if (roll === 0) continue;
      neu.push(roll === 1 ? `(${id}, 'x${id}', ${id % 7})` : roll === 2 ? `(${id}, 'v${id}', ${id % 7 + 1})` : `(${id}, 'v${id}', ${id % 7})`);
    }
    const extra = [...new Set(ids.filter(() => dice() === 3).map((id) => id + 100_000))].filter((id) => !ids.includes(id));
    neu.push(...extra.map((id) => `(${id}, 'n${id}', 0)`));
    if (neu.length > 0) await db.exec(`insert into t_new values ${neu.join(', ')}`);
  }

  it('a resumed diff ends with exactly the tally of an uninterrupted one (random tables, random kill points)', async () => {
    let resumedCases = 0;
    await fc.assert(fc.asyncProperty(
      fc.uniqueArray(fc.integer({ min: 1, max: 3000 }), { minLength: 150, maxLength: 500 }),
      fc.infiniteStream(fc.integer({ min: 0, max: 11 })),
      fc.integer({ min: 20, max: 80 }),
      fc.record({ after: fc.integer({ min: 1, max: 8 }), recorded: fc.boolean() }),
      async (ids, dice, segmentRows, kill) => {
        await seed(ids, () => dice.next().value);
        const catalog = catalogFromYaml(checkYaml(segmentRows), { app: db });
        const whole = result(await run(catalog));
        const interrupted = await run(catalog, kill);
        const resumed = result(await run(catalog));
        expect(tallyOf(resumed)).toEqual(tallyOf(whole));
        if (result(interrupted).status === 'error') {
          expect(resumed.observations.resumed_from).toMatchObject({ run_id: interrupted.id, chunks: kill.after, unit: 'segment' });
          resumedCases++;
        } else {
          // Fewer segments than the kill point: nothing to resume.
          expect(resumed.observations.resumed_from).toBeUndefined();
        }
      },
    ), { numRuns: 8 });
    expect(resumedCases).toBeGreaterThan(0);
  }, 600_000);

  it('says where it resumed from, dates the evidence from the first run, and leaves nothing behind', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
    await seed(ids, (() => { let i = 0; return () => (i++ % 50 === 0 ? 1 : 5); })());
    const catalog = catalogFromYaml(checkYaml(100), { app: db });
    const whole = result(await run(catalog));
    const interrupted = await run(catalog, { after: 4, recorded: true });
    expect(result(interrupted)).toMatchObject({ status: 'error', error: { code: 'cancelled' } });
    const done = await run(catalog);
    const resumed = result(done);
    expect(tallyOf(resumed)).toEqual(tallyOf(whole));
    expect(resumed).toMatchObject({ status: 'pass', observations: { old_rows: 1000, changed: 20, resumed_from: { run_id: interrupted.id, chunks: 4, rows_scanned: 800, unit: 'segment' } } });
    expect(Date.parse(String((resumed.observations.resumed_from as { since: string }).since))).toBeLessThanOrEqual(interrupted.startedAt!.getTime() + 60_000);
    expect(resumed.summary).toContain(`(resumed from run ${interrupted.id} after 4 segments)`);
    expect(formatRun(done)).toContain(`resumed from run ${interrupted.id} after 4 segments`);
    // A finished diff clears its checkpoint: the next run starts from the first key.
    expect(result(await run(catalog)).observations.resumed_from).toBeUndefined();
  });

  it('a changed definition discards the checkpoint', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => i + 1);
    await seed(ids, () => 5);
    await db.exec(`update t_new set b = -1 where id = 450`);
    await run(catalogFromYaml(checkYaml(100), { app: db }), { after: 2, recorded: true });
    const edited = result(await run(catalogFromYaml(checkYaml(100, '    min_rows: 2'), { app: db })));
    expect(edited.observations.resumed_from).toBeUndefined();
    expect(edited.observations).toMatchObject({ old_rows: 600, new_rows: 600, changed: 1 });
  });

  it('never resumes when the compared columns changed under the same definition', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => i + 1);
    await seed(ids, () => 5);
    const catalog = catalogFromYaml(checkYaml(100), { app: db });
    await run(catalog, { after: 2, recorded: true });
    // A column added on both sides changes what "columns left out" compares: the progress is for another question.
    await db.exec('alter table t_old add column c int default 1; alter table t_new add column c int default 1');
    const after = result(await run(catalog));
    expect(after.observations.resumed_from).toBeUndefined();
    expect(after).toMatchObject({ status: 'pass', observations: { old_rows: 600, new_rows: 600 } });
  });
});
