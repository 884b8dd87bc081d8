/**
 * recheck: failing re-reads exactly the keys the last failing result sampled, and is never gate
 * evidence: a gate keeps judging the last full result.
 */
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import { planRecheck } from '../../src/runner/recheck.js';
import type { Store } from '../../src/store/store.js';
import type { ResultRecord } from '../../src/store/runs.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

describe('planning a recheck', () => {
  const result = (over: Partial<ResultRecord>): ResultRecord => ({ id: 'r1', status: 'fail', observations: { mismatches: 3 }, samples: [], ...over } as ResultRecord);
  it('needs a failing result with sampled keys', () => {
    expect(planRecheck('p', undefined)).toMatchObject({ code: 'nothing_to_recheck' });
    expect(planRecheck('p', result({ status: 'pass' }))).toMatchObject({ code: 'nothing_to_recheck', message: expect.stringMatching(/is pass, not fail/) });
    expect(planRecheck('p', result({}))).toMatchObject({ code: 'nothing_to_recheck', message: expect.stringMatching(/sampled no keys/) });
  });
  it('takes the sampled keys, and counts those it cannot address', () => {
    const samples = [{ category: 'mismatch', key: { a: '1', b: 'x' } }, { category: 'mismatch', key: { a: '2', b: null } }] as ResultRecord['samples'];
    expect(planRecheck('p', result({ samples }))).toEqual({ ofResult: 'r1', keyColumns: ['a', 'b'], keys: [['1', 'x']], failingBefore: 3, unaddressable: 1 });
  });
});

describe.each(engines)('recheck: failing on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  async function run(yaml: string, recheck?: 'failing'): Promise<FinishedRun> {
    const catalog = catalogFromYaml(yaml, { app: db });
    const sources = registryForCatalog(catalog, { app: db });
    try {
      return await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api', recheck })).finished;
    } finally {
      await sources.closeAll();
    }
  }

  const PARITY = 'checks:\n  - { id: p, kind: column_parity, source: app, table: t, key: [k], old: a, new: b }';

  it('re-reads only the failing keys, says so, and leaves the gate judging the full result', async () => {
    // Text keys an array literal or a tuple could get wrong: quotes, commas, braces, backslashes.
    await db.exec(`drop table if exists t; create table t (k text primary key, a text, b text);
      insert into t select 'k' || g, 'v', 'v' from generate_series(1, 500) g;
      insert into t values ('a"b', 'v', 'x'), ('c,d', 'v', 'x'), ('{e}', 'v', 'x'), ('f\\g', 'v', 'x');`);
    const full = (await run(PARITY)).results[0]!;
    expect(full).toMatchObject({ checkId: 'p', status: 'fail', observations: { mismatches: 4 } });

    await db.exec(`update t set b = 'v' where k in ('a"b', '{e}')`);
    const partly = (await run(PARITY, 'failing')).results[0]!;
    expect(partly).toMatchObject({
      checkId: 'p:recheck', status: 'fail',
      observations: { rows: 4, mismatches: 2, recheck: { of_result: full.id, keys: 4, failing_before: 4, covers_every_failing_row: true, gate_evidence: false } },
    });
    expect(partly.summary).toMatch(/^recheck of 4 keys that failed in result .*: .*not gate evidence/);
    expect(partly.samples!.map((s) => s.key.k).sort()).toEqual(['c,d', 'f\\g']);
    // The keys are selected in the WHERE clause (index lookups), not filtered out of a read of the whole table.
    expect(partly.statements.filter((st) => /count\(\*\)/.test(st.sql)).map((st) => st.sql)).toEqual([expect.stringMatching(/from "t" where \("k" = any\(/)]);

    await db.exec("update t set b = 'v'");
    const repaired = (await run(PARITY, 'failing')).results[0]!;
    expect(repaired).toMatchObject({ checkId: 'p:recheck', status: 'pass', observations: { rows: 4, mismatches: 0 } });
    // The gate still judges the failing full run: a recheck neither opens nor closes it.
    expect((await store.gateEvidence(['p'])).latest.get('p')).toMatchObject({ resultId: full.id, status: 'fail' });
    expect((await run(PARITY)).results[0]).toMatchObject({ checkId: 'p', status: 'pass' });
    expect((await run(PARITY, 'failing')).results[0]).toMatchObject({ checkId: 'p:recheck', status: 'error', error: { code: 'nothing_to_recheck' } });
  });

  it('matches composite keys exactly, never a mix of two sampled keys', async () => {
    await db.exec(`drop table if exists pairs; create table pairs (a int, b text, v int, primary key (a, b));
      insert into pairs values (1, 'x', null), (2, 'y', null), (1, 'y', 1), (2, 'x', 1);`);
    const yaml = 'checks:\n  - { id: n, kind: null_check, source: app, table: pairs, columns: [v] }';
    expect((await run(yaml)).results[0]).toMatchObject({ status: 'fail', observations: { rows: 4, rows_with_nulls: 2 } });
    // (1, y) and (2, x) share each column's value with a failing key, but are not failing keys.
    await db.exec('update pairs set v = null');
    expect((await run(yaml, 'failing')).results[0]).toMatchObject({ checkId: 'n:recheck', status: 'fail', observations: { rows: 2, rows_with_nulls: 2 } });
  });

  it('refuses kinds it cannot narrow to keys', async () => {
    await db.exec(`drop table if exists o; drop table if exists n2; create table o (id int primary key, v text); create table n2 (id int primary key, v text);
      insert into o values (1, 'a'), (2, 'b'); insert into n2 values (1, 'a'), (2, 'c');`);
    const yaml = 'checks:\n  - { id: j, kind: column_parity, source: app, key: [id], old: { table: o, expr: v }, new: { table: n2, expr: v } }';
    expect((await run(yaml)).results[0]).toMatchObject({ status: 'fail' });
    expect((await run(yaml, 'failing')).results[0]).toMatchObject({ checkId: 'j:recheck', status: 'error', error: { code: 'recheck_unsupported' } });
  });
});
