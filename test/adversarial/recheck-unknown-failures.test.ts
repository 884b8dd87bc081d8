/**
 * A recheck passes (exit 0, "repaired") only when it re-read every row the last result counted as
 * failing. Two ways it passed without that:
 * - the last result stopped early (stop_after): its counts are lower bounds over the chunks it
 *   read, so "5 failing rows, 5 sampled" said nothing of the chunks it never read — repairing the
 *   five read as a complete repair while the rest of the table still differed;
 * - a sampled key no longer exists: a row deleted, or re-keyed (its key updated, the row still
 *   failing under its new key). The recheck found no row for it and counted nothing, "pass".
 * Both are now `error: recheck_incomplete` (could not verify the repair, exit 2).
 */
import { describe, expect, it } from 'vitest';
import { exitCodeForRun } from '../../src/cli/commands/run.js';
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

describe.each(engines)('a recheck of failing rows it cannot all account for, on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  async function run(yaml: string, recheck?: 'failing', chunked = false): Promise<FinishedRun> {
    const catalog = catalogFromYaml(yaml, { app: db });
    if (chunked) Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, pause_ms: 0, target_chunk_ms: 1 });
    const sources = registryForCatalog(catalog, { app: db });
    try {
      return await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'cli', recheck })).finished;
    } finally {
      await sources.closeAll();
    }
  }

  it('a failure that stopped early knows only a lower bound of its failing rows: repairing the sampled ones is not verified', async () => {
    await db.exec(`drop table if exists t; create table t (k int primary key, a text, b text);
      insert into t select g, 'v', case when g <= 3 or g > 19990 then 'x' else 'v' end from generate_series(1, 20000) g;`);
    const yaml = 'checks:\n  - { id: p, kind: column_parity, source: app, table: t, key: [k], old: a, new: b, sample: 10, stop_after: 3 }';
    const full = (await run(yaml, undefined, true)).results[0]!;
    expect(full).toMatchObject({ status: 'fail', observations: { counts_are_lower_bounds: true } });
    // Every failing row the stopped scan counted was sampled: only the stop says more may exist.
    expect(full.samples).toHaveLength(full.observations.mismatches as number);
    await db.exec('update t set b = a where k <= 3');
    const recheck = await run(yaml, 'failing');
    expect(recheck.results[0]).toMatchObject({ checkId: 'p:recheck', status: 'error', error: { code: 'recheck_incomplete', message: expect.stringMatching(/stopped early/) }, observations: { recheck: { covers_every_failing_row: false } } });
    expect(exitCodeForRun(recheck)).toBe(2);
    expect((await run(yaml, undefined, true)).results[0]).toMatchObject({ status: 'fail' });
  });

  it('a failing row whose key changed is not found under its old key: not a repair', async () => {
    await db.exec(`drop table if exists t; create table t (k int primary key, a text, b text);
      insert into t select g, 'v', case when g <= 2 then 'x' else 'v' end from generate_series(1, 100) g;`);
    const yaml = 'checks:\n  - { id: p, kind: column_parity, source: app, table: t, key: [k], old: a, new: b, sample: 5 }';
    expect((await run(yaml)).results[0]).toMatchObject({ status: 'fail', observations: { mismatches: 2 } });
    // Re-keyed, still failing; the other one repaired.
    await db.exec("update t set k = 1001 where k = 1; update t set b = 'v' where k = 2");
    const recheck = await run(yaml, 'failing');
    expect(recheck.results[0]).toMatchObject({ checkId: 'p:recheck', status: 'error', error: { code: 'recheck_incomplete', message: expect.stringMatching(/1 of the 2 keys has no row in scope any longer/) } });
    expect(exitCodeForRun(recheck)).toBe(2);
  });

  it('a null_check whose failing rows are gone in part did not verify a repair either', async () => {
    await db.exec(`drop table if exists n; create table n (k int primary key, v int);
      insert into n select g, case when g > 3 then g end from generate_series(1, 50) g;`);
    const yaml = 'checks:\n  - { id: n, kind: null_check, source: app, table: n, columns: [v], sample: 5 }';
    expect((await run(yaml)).results[0]).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 3 } });
    await db.exec('update n set k = k + 1000 where k = 1; update n set v = 0 where k in (2, 3)');
    expect((await run(yaml, 'failing')).results[0]).toMatchObject({ checkId: 'n:recheck', status: 'error', error: { code: 'recheck_incomplete' } });
  });

  it('still passes a recheck that found every sampled key repaired after a complete failure', async () => {
    await db.exec(`drop table if exists t; create table t (k int primary key, a text, b text);
      insert into t select g, 'v', case when g <= 3 then 'x' else 'v' end from generate_series(1, 100) g;`);
    const yaml = 'checks:\n  - { id: p, kind: column_parity, source: app, table: t, key: [k], old: a, new: b, sample: 5 }';
    expect((await run(yaml)).results[0]).toMatchObject({ status: 'fail', observations: { mismatches: 3 } });
    await db.exec("update t set b = 'v'");
    expect((await run(yaml, 'failing')).results[0]).toMatchObject({ checkId: 'p:recheck', status: 'pass', observations: { recheck: { covers_every_failing_row: true } } });
  });
});
