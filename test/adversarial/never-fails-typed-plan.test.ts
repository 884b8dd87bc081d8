/**
 * Answers fixed only by the types of the columns a condition reads, which the plan's text does not
 * show, so they passed on any data:
 * - null tests of a scalar column that a boolean test, a comparison with a boolean constant,
 *   COALESCE or CASE turns into a tautology or contradiction (`(x is null or x is not null) is not
 *   true`): the plan prints a scalar's and a composite's null tests alike, and for a composite both
 *   can be false;
 * - contradicting ranges and equalities of constants that are not numbers (`d < '2020-01-01' and
 *   d > '2021-01-01'` on a date, `s = 'a' and s = 'b'`, IN lists that do not meet, BETWEEN
 *   reversed): only the server can order `'…'::date` or compare texts under a column's collation.
 * The server is now asked the types of the null-tested columns and the order of the constants.
 * Every refused condition is run on the same tables to show it keeps no row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { plannedAnswerCases, type DecidedCase, type PlannedCase } from '../support/planned-answers.js';
import { runCheckFile } from '../support/run-check.js';

/** Conditions on t no row meets, whatever t holds. */
const NEVER_TRUE = [
  '(x is null or x is not null) is not true',
  '(x is null or x is not null) is false',
  '(x is null) is not true and (x is not null) is not true',
  'not coalesce(x is null or x is not null, true)',
  '(x is null or x is not null) = false',
  '(x is null or x is not null) is distinct from true',
  'case when x is null then false when x is not null then false else true end',
  '(s is null) is false and (s is not null) is false',
  '(d is null or d is not null) is not true',
  '(dx is null or dx is not null) is not true',
  '(ts is null or ts is not null) is unknown or (ts is null or ts is not null) is false',
  "d < '2020-01-01' and d > '2021-01-01'",
  "d between '2021-01-01' and '2020-12-31'",
  "d >= '2021-01-01' and d <= '2020-06-01'",
  "ts between '2021-01-01 00:00+00' and '2020-01-01 00:00+00'",
  "ts > '2021-01-01 00:00+00' and ts < '2021-01-01 00:00+01'",
  "s = 'a' and s = 'b'",
  "s in ('a', 'b') and s = 'c'",
  "s in ('a', 'b') and s in ('c', 'd')",
  "s <> all ('{a,b}') and s = 'b'",
  "s < 'a' and s > 'b'",
  "s = 'b' and s > 'c'",
  "c > 'a' and c < 'B'",
  "d = '2020-01-01' and d <> '2020-01-01'::date",
  "v < 'a' and v > 'b'",
  "v in ('a', 'b') and v = 'c'",
  "ch < 'a' and ch > 'b'",
  "tm > '12:00' and tm < '11:00'",
  '(x is null) = (x is not null)',
  '(s is null) is not distinct from (s is not null)',
];

/** Controls of the same shapes that a row of t meets. */
const REAL = [
  '(r is null or r is not null) is not true',
  '(dr is null or dr is not null) is not true',
  '(x is null or x is not null) is not false',
  "d > '2020-01-01' and d < '2021-01-01'",
  "d between '2020-01-01' and '2021-12-31'",
  "s in ('a', 'b') and s in ('b', 'c')",
  "s >= 'a' and s <= 'a'",
  "c > 'B' and c < 'a'",
  "ts >= '2021-01-01 00:00+01' and ts <= '2021-01-01 00:00+00'",
  "v > 'a' and v < 'b'",
  '(r is null) = (r is not null)',
  '(x is null) = (s is null)',
];

const SETUP = `
  create type hn_pair as (p int, q int);
  create domain hn_int as int;
  create domain hn_pair_d as hn_pair;
  create table t (id int, x int, s text, c text collate "C", d date, ts timestamptz, r hn_pair, dx hn_int, dr hn_pair_d, v varchar(5), ch char(3), tm time);
  create table nn (id int primary key, x int not null);
  insert into nn values (1, 1);
  create view v_t as select id, x, d from t;
`;
const ROWS = `insert into t values
  (1, 1, 'a', 'Z', '2020-06-01', '2020-12-31 23:30+00', row(1, null), 1, row(1, null), 'ab', 'a', '11:30'),
  (2, null, 'b', 'b', null, '2021-01-01 00:00+00', null, null, null, null, null, null),
  (3, 5, null, null, '2021-01-01', null, row(null, null), 5, row(null, null), null, null, null)`;

const PLANNED: Record<string, PlannedCase> = {
  ...Object.fromEntries(NEVER_TRUE.map((where): [string, PlannedCase] => [`where ${where}`, [`select id from t where ${where}`, 'rows: 0']])),
  'a count over null tests of a scalar, negated by a boolean test': ['select count(*) from t where (x is null or x is not null) is not true', 'value: 0'],
  'through a view': ['select id from v_t where (x is null or x is not null) is not true', 'rows: 0'],
  'a date range through a view': ["select id from v_t where d < '2020-01-01' and d > '2021-01-01'", 'rows: 0'],
  'on a NOT NULL column': ['select id from nn where (x is null or x is not null) is not true', 'rows: 0'],
  'texts equal through a join': ["select t.id from t join t t2 on t.s = t2.s where t.s = 'a' and t2.s = 'b'", 'rows: 0'],
};

const DECIDED: Record<string, DecidedCase> = {
  ...Object.fromEntries(REAL.map((where): [string, DecidedCase] => [`where ${where}`, [`select id from t where ${where}`, 'rows: 0', 'fail']])),
  'a NOT NULL column proves its null test': ['select id from nn where x is null', 'rows: 0', 'pass'],
};

describe.each(engines)('answers fixed by the types of the columns, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`${SETUP}; ${ROWS}`);
  });
  afterAll(() => db?.close());
  plannedAnswerCases(() => db, PLANNED, DECIDED);

  it('every refused condition keeps no row, every control keeps one', async () => {
    for (const where of NEVER_TRUE) expect((await db.exec(`select id from t where ${where}`)).length, where).toBe(0);
    for (const where of REAL) expect((await db.exec(`select id from t where ${where}`)).length, where).toBeGreaterThan(0);
  });

  const nullCheck = (where: string) => `sources:\n  app: { url: "${db.url}" }\nchecks:\n  - { id: c, kind: null_check, min_rows: 0, source: app, table: t, columns: [id], where: ${JSON.stringify(where)} }\n`;
  for (const where of ['(x is null or x is not null) is not true', "d < '2020-01-01' and d > '2021-01-01'", "s = 'a' and s = 'b'"]) {
    it(`a null_check whose scope no row can be in is an error, never a pass: ${where}`, async () => {
      const result = await runCheckFile(db, nullCheck(where));
      expect([result.status, result.error?.code], result.summary).toEqual(['error', 'never_fails']);
    });
  }
  it('a null_check over a scope empty only today still passes', async () => {
    const result = await runCheckFile(db, nullCheck("d > '2030-01-01'"));
    expect([result.status, result.error], result.summary).toEqual(['pass', null]);
  });
});

describe.each(engines.filter((engine) => engine === 'postgres'))('texts ordered under the column collation, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create collation hn_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
      create table w (id int, e text collate "en-x-icu", c text collate "C", ci text collate hn_ci);
      insert into w values (1, 'b', 'Z', 'a')`);
  });
  afterAll(() => db?.close());
  // Under ICU English 'a' < 'b' < 'B'; in code points 'B' < 'a'.
  plannedAnswerCases(() => db, {
    'an empty range under the column collation': ["select id from w where e > 'B' and e < 'a'", 'rows: 0'],
    'an empty range under C': ["select id from w where c > 'a' and c < 'B'", 'rows: 0'],
    'texts unequal that a case-blind collation holds equal': ["select id from w where ci = 'a' and ci <> 'A'", 'rows: 0'],
  }, {
    'texts a case-blind collation holds equal': ["select id from w where ci = 'a' and ci = 'A'", 'rows: 0', 'fail'],
    'a range empty only in code points': ["select id from w where e > 'a' and e < 'B'", 'rows: 0', 'fail'],
    'a range empty only under English': ["select id from w where c > 'B' and c < 'a'", 'rows: 0', 'fail'],
  });
});
