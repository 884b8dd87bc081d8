/**
 * Checks whose answer three-valued logic or equality across tables fixes, and that loaded and
 * passed on any data before:
 * - a boolean test, a comparison with a boolean constant, COALESCE, NULLIF or CASE over conditions
 *   (`not coalesce(x = x, true)`, `(x > 0 or x <= 0 or x is null) is not true`, `(x > 5) = true and
 *   x < 3`, `nullif(x > 0 or x <= 0, true)`): each is a function of its conditions' truth values,
 *   and the judgement opened only AND, OR and NOT;
 * - contradictions through `=` across columns and tables (`a.x = 1 and b.x = 2 and a.x = b.x`, a
 *   join condition beside filters that contradict it), at load and, through views and sub-selects,
 *   in the plan, whose conditions sit on different nodes (a filter on each scan, `=` on the join).
 * And one over-refusal: PostgreSQL 17+ (PGlite) folds `x is null` on a NOT NULL column to false, so
 * "no row has x NULL" was `never_fails` there and a pass on Postgres 15; the constraint proves it,
 * and both engines now pass it.
 * Every refused condition is run on both engines over several tables to show it keeps no row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/sql/parser.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { problemsOf } from '../support/load-problems.js';
import { loadTimeWhereCases, plannedAnswerCases, sqlAssert, type DecidedCase, type PlannedCase } from '../support/planned-answers.js';
import { runCheckFile } from '../support/run-check.js';

beforeAll(async () => { await loadSqlParser(); });


/** Conditions on one table (x, y integers, b boolean) no row meets, under three-valued logic. */
const NEVER_TRUE = [
  'not coalesce(x = x, true)',
  'not coalesce(x = x, x is null)',
  '(x = x) is false',
  '(x > 0 or x <= 0 or x is null) is not true',
  '(x > 0 or x <= 0 or x is null) is false',
  'not coalesce(x > 0 or x <= 0, x is null)',
  'nullif(x > 0 or x <= 0, true)',
  'nullif(b, true)',
  '(x::int is null or x::int is not null) is not true',
  'not case when x > 0 then true when x <= 0 then true else x is null end',
  'case when x > 0 then x < 0 else false end',
  'case x when 1 then x <> 1 else false end',
  '(x > 5) = true and x < 3',
  '(x > 5) <> false and x < 3',
  '(x > 5) is not false and x < 3',
  '(x > 5) is not distinct from true and x < 3',
  'x > 0 is unknown and x is not null',
  '(x > 0 and y > 0) is unknown and x is not null and y is not null',
  'b is unknown and b is not null',
  'x = y and x > 5 and y < 3',
  'x = y and y = 2 and x = 3',
  'x = y and x <> y',
];

/** Controls: the same shapes where a row can make them true (each does on a table below). */
const REAL = [
  'not coalesce(x = x, false)',
  '(x > 0 or x <= 0) is not true',
  'nullif(x > 0, true) is null',
  'case when x > 0 then x < 5 else false end',
  '(x > 5) is not false and x > 3',
  'x > 0 is unknown',
  'x = y and x > 5 and y > 3',
  'x = y and y = 2 and x = 2',
  'not case when x > 0 then true else x is null end',
];

describe('conditions no row meets under three-valued logic, judged at load', () => {
  loadTimeWhereCases(problemsOf, NEVER_TRUE, REAL);
  // For a composite x both tests are false on a row with some fields NULL: at load x's type is not known.
  it('loads a pair of null tests of a column whose type is not known', () => {
    expect(problemsOf(sqlAssert('select x from t where (x is null or x is not null) is not true', '{ rows: 0 }'))).toEqual([]);
  });
  it('refuses a value fixed by three-valued logic', () => {
    expect(problemsOf(sqlAssert('select count(*) filter (where not coalesce(x = x, true)) from t', '{ value: 0 }'))).toEqual([expect.stringMatching(/can never fail/)]);
    expect(problemsOf(sqlAssert('select x from t where nullif(1, 1) = 1', '{ max_rows: 0 }'))).toEqual([expect.stringMatching(/can never fail/)]);
  });
});

/** Queries over several tables whose conditions contradict through `=`: no row, whatever the tables hold. */
const ACROSS_TABLES = [
  'select a.id from a, b where a.x = 1 and b.x = 2 and a.x = b.x',
  'select a.id from a join b on a.x = b.x where a.x > 5 and b.x < 3',
  'select a.id from a join b on a.x = b.x and b.x < 3 where a.x > 5',
  'select a.id from a join b on a.x = b.x join c on c.x = b.x where a.x > 5 and c.x < 3',
  'select a.id from a join b on a.x = b.x join c on b.x = c.x where a.x <> c.x',
];
const ACROSS_TABLES_REAL = [
  'select a.id from a join b on a.x = b.x where a.x > 5 and b.x > 3',
  'select a.id from a left join b on a.x = b.x and b.x < 3 where a.x > 5',
  // A join with an alias hides its members' names: `a` outside it is another table.
  'select a2.id from (a join b on a.x = 1) as j, a as a2 where a2.x = 2',
];

describe('contradictions through = across tables, judged at load', () => {
  for (const query of ACROSS_TABLES) {
    it(`refuses ${query}`, () => {
      expect(problemsOf(sqlAssert(query, '{ rows: 0 }'))).toEqual([expect.stringMatching(/returns exactly 0 rows.*can never fail/)]);
    });
  }
  for (const query of ACROSS_TABLES_REAL) {
    it(`loads ${query}`, () => {
      expect(problemsOf(sqlAssert(query, '{ rows: 0 }'))).toEqual([]);
    });
  }
});

/** Passes only the plan shows fixed: the contradiction sits in a view or a sub-select the server flattens. */
const PLANNED: Record<string, PlannedCase> = {
  'a view joining on = with filters that contradict it': ['select id from v_join', 'rows: 0'],
  'a count over it': ['select count(*) from v_join', 'value: 0'],
  'a sub-select filtered outside against its own filter': ['select id from (select a.id, a.x from a join b on a.x = b.x where b.x < 3) s where s.x > 5', 'rows: 0'],
  'a join of two views through =': ['select v_high.id from v_high join v_low on v_high.x = v_low.x', 'rows: 0'],
  'a view of a three-valued tautology, negated': ['select x from v_coalesce', 'rows: 0'],
  'EXISTS of such a view': ['select exists (select 1 from v_join)', 'value: false'],
};
const DECIDED: Record<string, DecidedCase> = {
  'a join whose filters meet': ['select a.id from a join b on a.x = b.x where a.x > 5 and b.x > 3', 'rows: 0', 'fail'],
  'a view of a real join': ['select id from v_real', 'rows: 1', 'pass'],
  'a left join keeps the left rows whatever its inner side': ['select a.id from a left join v_low on a.x = v_low.x and v_low.x > 5', 'rows: 2', 'pass'],
  'a composite column neither null nor not null': ['select id from a where (r is null or r is not null) is not true', 'rows: 0', 'fail'],
};

describe.each(engines)('answers the plan shows fixed across tables, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create type hn3_pair as (p int, q int);
      create table a (id int primary key, x int, r hn3_pair);
      create table b (id int primary key, x int);
      insert into a values (1, 7, row(1, null)), (2, 1, null);
      insert into b values (1, 7), (2, 2);
      create view v_join as select a.id from a join b on a.x = b.x where a.x > 5 and b.x < 3;
      create view v_high as select id, x from a where x > 5;
      create view v_low as select id, x from b where x < 3;
      create view v_real as select a.id from a join b on a.x = b.x where a.x > 5;
      create view v_coalesce as select x from a where not coalesce(x = x, true);
    `);
  });
  afterAll(() => db?.close());
  plannedAnswerCases(() => db, PLANNED, DECIDED);
});

describe.each(engines)('a NOT NULL constraint proves a null test, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec('create table nn (id int primary key, x int not null, y int); insert into nn values (1, 1, null), (2, 2, 5);');
  });
  afterAll(() => db?.close());
  const run = (query: string, expectation: string) => runCheckFile(db, `sources:\n  app: { url: "${db.url}" }\nchecks:\n  - { id: c, kind: sql_assert, source: app, query: ${JSON.stringify(query)}, expect: { ${expectation} } }\n`);

  // PostgreSQL 17+ plans these as one-time false; 15 shows the filter. The constraint is the proof: a pass on both.
  for (const [query, expectation] of [
    ['select id from nn where x is null', 'rows: 0'],
    ['select count(*) from nn where x is null', 'value: 0'],
    ['select id from nn where x isnull and y > 0', 'max_rows: 0'],
    ['select id from nn where x is null or x is null', 'rows: 0'],
  ] as const) {
    it(`passes ${query}`, async () => {
      const result = await run(query, expectation);
      expect([result.status, result.error], result.summary).toEqual(['pass', null]);
    });
  }
  it('still refuses a null test beside a condition fixed by the SQL', async () => {
    const result = await run("select id from nn where x is null and length('') > 0", 'rows: 0');
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'never_fails']);
  });
  // Read through coalesce(x) the column is still a scalar, so the server still pushes NOT into its tests.
  it('still refuses null tests that contradict, on a NOT NULL column and a nullable one', async () => {
    for (const query of ['select id from nn where not (x is null or x is not null)', 'select id from nn where not (y is null or y is not null)']) {
      const result = await run(query, 'rows: 0');
      expect([result.status, result.error?.code], `${query}: ${result.summary}`).toEqual(['error', 'never_fails']);
    }
  });
  it('still fails a null test the data breaks', async () => {
    const result = await run('select id from nn where y is null', 'rows: 0');
    expect(result.status).toBe('fail');
  });
});

describe.each(engines)('the refused conditions really meet no row, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(engine); });
  afterAll(() => db?.close());
  const SEEDS = [
    '',
    'insert into t select g, g + 1, g % 2 = 0 from generate_series(-2, 8) g; insert into t values (null, null, null), (1, 1, true), (5, 3, false), (2, 2, null)',
    'insert into t values (0, 0, null), (3, 2, true), (9, 9, false), (6, null, null), (null, 4, true), (7, 7, true)',
  ];
  async function counts(where: string): Promise<number[]> {
    const seen: number[] = [];
    for (const seed of SEEDS) {
      await db.exec(`drop table if exists t; create table t (x int, y int, b boolean); ${seed}`);
      seen.push((await db.exec(`select x from t where ${where}`)).length);
    }
    return seen;
  }
  it('every refused condition keeps no row on any table', async () => {
    for (const where of NEVER_TRUE) expect(await counts(where), where).toEqual([0, 0, 0]);
  });
  it('every control keeps a row on one of them', async () => {
    for (const where of REAL) expect((await counts(where)).some((n) => n > 0), where).toBe(true);
  });
  it('every query across tables returns no row on tables that share values', async () => {
    await db.exec(`drop table if exists a, b, c;
      create table a (id int, x int); create table b (id int, x int); create table c (id int, x int);
      insert into a select g, g from generate_series(-2, 9) g; insert into b select g, g from generate_series(-2, 9) g;
      insert into c select g, g from generate_series(-2, 9) g; insert into a values (null, null); insert into b values (1, null)`);
    for (const query of ACROSS_TABLES) expect((await db.exec(query)).length, query).toBe(0);
    for (const query of ACROSS_TABLES_REAL.slice(0, 2)) expect((await db.exec(query)).length, query).toBeGreaterThan(0);
  });
});
