/**
 * sql_assert queries whose filter is false on every row through functions of constants
 * (`length('') > 0`, `lower('A') = 'B'`, `nullif(1, 1) = 1`): the load-time judgement reads the
 * parse tree and cannot evaluate functions, so each loaded and passed on any data (`rows: 0`,
 * `max_rows: 0`, or `value: 0` of a count over nothing). The planner folds such conditions and
 * prunes partitions a range excludes; a pass whose plan shows the answer fixed is now `error`
 * (`never_fails`). Real assertions over the same tables still pass and fail as the data says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';

const FIXED: Record<string, [string, string]> = {
  'a comparison of a function of constants': ["select id from t where length('') > 0", 'rows: 0'],
  'a text function of constants': ["select id from t where lower('A') = 'B'", 'rows: 0'],
  'nullif of constants, under max_rows': ['select id from t where nullif(abs(1), 1) = 1', 'max_rows: 0'],
  'a count over a folded filter, by value': ['select count(*) from t where abs(-1) < 0', 'value: 0'],
  'a join under a folded filter': ["select t1.id from t t1 join t t2 using (id) where upper('a') = 'b'", 'rows: 0'],
  'a folded conjunct beside a real one': ["select id from t where v = 'x' and length('ab') = 3", 'rows: 0'],
  'a range no partition holds': ['select id from p where id < 0', 'rows: 0'],
};

const REAL: Record<string, [string, string, 'pass' | 'fail']> = {
  'a filter on the data that holds': ["select id from t where v = upper('a')", 'rows: 0', 'pass'],
  'a filter on the data that does not hold': ["select id from t where v = lower('A')", 'rows: 0', 'fail'],
  'a count by value': ["select count(*) from t where v like 'a%'", 'value: 2', 'pass'],
  'a partition holding the range': ['select id from p where id >= 50', 'rows: 0', 'pass'],
};

describe.each(engines)('sql_assert answers the plan shows fixed, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table t (id int primary key, v text);
      insert into t values (1, 'a'), (2, 'ab'), (3, 'b');
      create table p (id int) partition by range (id);
      create table p_low partition of p for values from (0) to (100);
      insert into p values (1), (2);
    `);
  });
  afterAll(() => db?.close());

  const run = (query: string, expectation: string) => runCheckFile(db, `sources:\n  app: { url: "${db.url}" }\nchecks:\n  - { id: c, kind: sql_assert, source: app, query: ${JSON.stringify(query)}, expect: { ${expectation} } }\n`);

  for (const [name, [query, expectation]] of Object.entries(FIXED)) {
    it(`is an error, never a pass: ${name}`, async () => {
      const result = await run(query, expectation);
      expect([result.status, result.error?.code], result.summary).toEqual(['error', 'never_fails']);
    });
  }
  for (const [name, [query, expectation, status]] of Object.entries(REAL)) {
    it(`still judges the data: ${name}`, async () => {
      const result = await run(query, expectation);
      expect([result.status, result.error], result.summary).toEqual([status, null]);
    });
  }
});
