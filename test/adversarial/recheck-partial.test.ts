/**
 * `parity run --recheck failing` re-reads the keys the last failing result sampled. When that
 * result counted more failing rows than it sampled, the others are unknown: repairing exactly the
 * sampled rows must not read as "every check passed" (exit 0, a green JUnit case) while the rest
 * still differ.
 */
import { describe, expect, it } from 'vitest';
import { exitCodeForRun } from '../../src/cli/commands/run.js';
import { junitForRun } from '../../src/cli/report-junit.js';
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

describe.each(engines)('a recheck that covers only the sampled part of a failure, on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  async function run(yaml: string, recheck?: 'failing'): Promise<FinishedRun> {
    const catalog = catalogFromYaml(yaml, { app: db });
    const sources = registryForCatalog(catalog, { app: db });
    try {
      return await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'cli', recheck })).finished;
    } finally {
      await sources.closeAll();
    }
  }

  it('could not verify the repair (exit 2), never "passed", when the failing rows outnumber the sampled keys', async () => {
    await db.exec(`drop table if exists t; create table t (k int primary key, a text, b text);
      insert into t select g, 'v', case when g <= 50 then 'x' else 'v' end from generate_series(1, 500) g;`);
    const yaml = 'checks:\n  - { id: p, kind: column_parity, source: app, table: t, key: [k], old: a, new: b, sample: 5 }';
    const full = (await run(yaml)).results[0]!;
    expect(full).toMatchObject({ status: 'fail', observations: { mismatches: 50 } });
    // Repair exactly the five rows the failure sampled; 45 still differ.
    const sampled = full.samples!.map((s) => Number(s.key.k));
    expect(sampled).toHaveLength(5);
    await db.exec(`update t set b = 'v' where k in (${sampled.join(', ')})`);
    const recheck = await run(yaml, 'failing');
    expect(recheck.results[0]).toMatchObject({
      checkId: 'p:recheck', status: 'error', error: { code: 'recheck_incomplete' },
      observations: { mismatches: 0, recheck: { keys: 5, failing_before: 50, covers_every_failing_row: false } },
    });
    expect(exitCodeForRun(recheck)).toBe(2);
    expect(junitForRun(recheck)).toMatch(/errors="1"/);
    // What was not sampled still differs: the full check says so.
    expect((await run(yaml)).results[0]).toMatchObject({ status: 'fail', observations: { mismatches: 45 } });
  });

  it('still passes a recheck that re-read every failing row', async () => {
    await db.exec(`drop table if exists t; create table t (k int primary key, a text, b text);
      insert into t select g, 'v', case when g <= 3 then 'x' else 'v' end from generate_series(1, 100) g;`);
    const yaml = 'checks:\n  - { id: p, kind: column_parity, source: app, table: t, key: [k], old: a, new: b, sample: 5 }';
    expect((await run(yaml)).results[0]).toMatchObject({ status: 'fail', observations: { mismatches: 3 } });
    await db.exec("update t set b = 'v'");
    const recheck = await run(yaml, 'failing');
    expect(recheck.results[0]).toMatchObject({ checkId: 'p:recheck', status: 'pass', observations: { recheck: { covers_every_failing_row: true } } });
    expect(exitCodeForRun(recheck)).toBe(0);
  });
});
