/**
 * Answers fixed by what the server knows of an expression, which the plan's text does not show,
 * so they passed on any data:
 * - null tests of an expression (`lower(s) is null`, `x + 1 is not null`, a view column that is
 *   one) turned into a tautology or contradiction: only a scalar's two null tests are each other's
 *   negation, and the plan prints a composite's alike;
 * - constants compared with an expression (`lower(s) < 'a' and lower(s) > 'b'`), of two types on
 *   one value (`d < '…'::date and d > '…'::timestamp`), or of an enum (`e < 'b' and e > 'c'`, in
 *   the enum's declared order): only the server orders them;
 * - LIKE, ILIKE and regular expressions beside `=` (`s like 'a%' and s = 'b'`) or a pattern without
 *   wildcards beside `<>` (`s like 'abc' and s <> 'abc'`): only the server matches a pattern.
 * Every refused condition is run on the same table to show it keeps no row; every control keeps one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { plannedAnswerCases, type DecidedCase, type PlannedCase } from '../support/planned-answers.js';
import { runCheckFile } from '../support/run-check.js';

/** Conditions on t no row meets, whatever t holds. */
const NEVER_TRUE = [
  '(lower(s) is null or lower(s) is not null) is not true',
  '(x + 1 is null) = (x + 1 is not null)',
  'not coalesce(lower(s) is null or lower(s) is not null, true)',
  'case when x + 1 is null then false when x + 1 is not null then false else true end',
  '(coalesce(s, c) is null) is not true and (coalesce(s, c) is not null) is not true',
  '(s || c is null) is not distinct from (s || c is not null)',
  '(d + 1 is null or d + 1 is not null) is false',
  "lower(s) < 'a' and lower(s) > 'b'",
  "lower(s) between 'b' and 'a'",
  "upper(s) in ('A', 'B') and upper(s) = 'C'",
  "coalesce(s, c) > 'b' and coalesce(s, c) < 'a'",
  "not (lower(s) >= 'a' or lower(s) <= 'b')",
  "case when lower(s) < 'a' then lower(s) > 'b' else false end",
  "s like 'a%' and s = 'b'",
  "s like 'abc' and s <> 'abc'",
  "s not like 'a%' and s = 'ab'",
  "s ilike 'A%' and s = 'b'",
  "s ~ '^a' and s in ('b', 'c')",
  "s like 'a%' and s in ('b', 'c')",
  "lower(s) like 'a%' and lower(s) = 'b'",
  "v like 'a%' and v = 'b'",
  "c like 'a_' and c = 'abc'",
  "(s like 'a%') is true and s = 'b'",
  "s like 'abc' and s = 'abd'",
  "d < '2020-01-01'::date and d > '2021-01-01'::timestamp",
  "ts > '2021-01-01'::date and ts < '2020-06-01'::date",
  "d between '2021-01-01'::date and '2020-06-01'::timestamp",
  "e < 'b' and e > 'c'",
  "e in ('a', 'b') and e = 'c'",
  "e between 'c' and 'a'",
  "rv > 'a' and rv < 'c'",
  "coalesce(s like 'a%', false) and s = 'b'",
  "s similar to 'a%' and s = 'b'",
  "s not ilike 'b%' and s = 'B'",
  "(s like 'a%' or s like 'b%') and s = 'c'",
  "case when s = 'b' then s like 'a%' else false end",
  "lower(s) like 'abc' and lower(s) <> 'abc'",
  "d < '2020-01-01'::date and d > '2021-01-01'::timestamptz",
  "e = 'a' and e = 'b'",
];

/** Controls of the same shapes that a row of t meets. */
const REAL = [
  '(coalesce(r, r) is null or coalesce(r, r) is not null) is not true',
  "lower(s) > 'a' and lower(s) < 'c'",
  "upper(s) in ('AB', 'B') and upper(s) = 'AB'",
  'x + 1 > 1 and x + 1 < 3',
  "s like 'a%' and s = 'ab'",
  "s like 'a%' and s <> 'abc'",
  "s ilike 'A%' and s = 'ab'",
  "s ~ '^a' and s in ('ab', 'c')",
  "s not like 'b%' and s = 'ab'",
  "v like 'a%' and v = 'ab'",
  "d < '2021-01-01'::date and d > '2020-01-01'::timestamp",
  "ts > '2020-06-01'::date and ts < '2021-06-01'::date",
  "e > 'a' and e < 'c'",
  "e in ('a', 'b') and e = 'b'",
  "rv < 'a' and rv > 'c'",
  "c ilike 'A%' and c = 'ab'",
  "s similar to 'a%' and s = 'ab'",
  "(s like 'a%' or s like 'b%') and s = 'b'",
  "e <> 'a' and e <> 'c'",
  "d < '2021-01-01'::date and d > '2020-01-01'::timestamptz",
  "s like 'ab' and s = 'ab'",
];

const SETUP = `
  create type hn_en as enum ('a', 'b', 'c');
  create type hn_rev as enum ('c', 'b', 'a');
  create type hn_pair as (p int, q int);
  create table t (id int, x int, s text, c text collate "C", d date, ts timestamp, e hn_en, rv hn_rev, r hn_pair, v varchar(5));
  create view v_t as select id, lower(s) as ls, x + 1 as x1, e from t;
`;
const ROWS = `insert into t values
  (1, 1, 'ab', 'ab', '2020-06-01', '2021-01-01 12:00', 'b', 'b', row(1, null), 'ab'),
  (2, null, 'b', null, null, null, null, null, null, null),
  (3, 5, null, 'Zz', '2021-01-01', '2020-01-01', 'a', 'a', row(null, null), null),
  (4, 2, 'c', 'c', '2019-01-01', '2019-01-01', 'c', 'c', row(2, 2), 'c');
  create table u as select * from t`;

const PLANNED: Record<string, PlannedCase> = {
  ...Object.fromEntries(NEVER_TRUE.map((where): [string, PlannedCase] => [`where ${where}`, [`select id from t where ${where}`, 'rows: 0']])),
  'a count over null tests of an expression': ['select count(*) from t where (lower(s) is null or lower(s) is not null) is not true', 'value: 0'],
  'a count over an enum range': ["select count(*) from t where e < 'b' and e > 'c'", 'value: 0'],
  'a view column that is an expression, null-tested': ['select id from v_t where (ls is null or ls is not null) is not true', 'rows: 0'],
  'a view column that is an expression, ranged': ["select id from v_t where ls < 'a' and ls > 'b'", 'rows: 0'],
  'a view column that is an expression, LIKE beside =': ["select id from v_t where ls like 'a%' and ls = 'b'", 'rows: 0'],
  'an expression equal across a join': ["select t.id from t join t t2 on lower(t.s) = lower(t2.s) where lower(t.s) = 'a' and lower(t2.s) = 'b'", 'rows: 0'],
};

const DECIDED: Record<string, DecidedCase> = {
  ...Object.fromEntries(REAL.map((where): [string, DecidedCase] => [`where ${where}`, [`select id from t where ${where}`, 'rows: 0', 'fail']])),
  'a count over an enum range a row is in': ["select count(*) from t where e > 'a' and e < 'c'", 'value: 0', 'fail'],
  'an empty range only today': ["select id from t where lower(s) > 'x'", 'rows: 0', 'pass'],
};

describe.each(engines)('answers fixed by what the server knows of expressions, on %s', (engine) => {
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
  const rowCount = (where: string) => `sources:\n  app: { url: "${db.url}" }\nchecks:\n  - { id: c, kind: row_count, min_rows: 0, old: { source: app, table: t, where: ${JSON.stringify(where)} }, new: { source: app, table: u, where: ${JSON.stringify(where)} } }\n`;
  for (const where of ['(lower(s) is null or lower(s) is not null) is not true', "e < 'b' and e > 'c'", "s like 'a%' and s = 'b'", "d < '2020-01-01'::date and d > '2021-01-01'::timestamp"]) {
    it(`a null_check whose scope no row can be in is an error, never a pass: ${where}`, async () => {
      const result = await runCheckFile(db, nullCheck(where));
      expect([result.status, result.error?.code], result.summary).toEqual(['error', 'never_fails']);
    });
    it(`a row_count whose scopes no row can be in is an error, never a pass: ${where}`, async () => {
      const result = await runCheckFile(db, rowCount(where));
      expect([result.status, result.error?.code], result.summary).toEqual(['error', 'never_fails']);
    });
  }
  it('a null_check over a scope empty only today still passes', async () => {
    const result = await runCheckFile(db, nullCheck("e > 'c'"));
    expect([result.status, result.error], result.summary).toEqual(['pass', null]);
  });
});

describe.each(engines.filter((engine) => engine === 'postgres'))('a role that reads a table only through a view, on %s', (engine) => {
  const ROLE = 'parity_hn3_view_reader';
  let admin: TestDatabase;
  let reader: TestDatabase;
  beforeAll(async () => {
    admin = await createTestDatabase(engine);
    await admin.exec(`
      do $$ begin if not exists (select from pg_roles where rolname = '${ROLE}') then create role ${ROLE} login; end if; end $$;
      create schema hidden;
      create table hidden.ht (id int, s text);
      insert into hidden.ht values (1, 'a'), (2, null);
      create view v_h as select id, lower(s) as ls from hidden.ht;
      create view v_hw as select h.id, pg_typeof(h)::text as t from hidden.ht h;
      grant select on v_h, v_hw to ${ROLE};`);
    const url = new URL(admin.url);
    url.username = ROLE;
    reader = { ...admin, url: url.toString() };
  });
  afterAll(() => admin?.close());
  // Typing lower(s) names hidden.ht's row type, which the role may not use: the plan concludes nothing. The data
  // witness opens v_h to hidden.ht by the catalog (no privilege asked) and finds no contents that return a row.
  it('asks nothing it may not, and refuses the tautology by the data witness', async () => {
    const result = await runCheckFile(reader, `sources:\n  app: { url: "${reader.url}" }\nchecks:\n  - { id: c, kind: sql_assert, source: app, query: "select id from v_h where (ls is null or ls is not null) is not true", expect: { rows: 0 } }\n`);
    expect([result.status, result.error?.code, result.observations['witness_rounds']], result.summary).toEqual(['error', 'never_fails', 24]);
  });
  // hidden.ht's row type cannot be named by the role, so its generated rows are anonymous records: a view reading
  // the whole row as a value (`pg_typeof(h)`) would tell them apart from the table's and be witnessed by them.
  it('builds no witness over a whole row of a table whose type the role may not name', async () => {
    const result = await runCheckFile(reader, `sources:\n  app: { url: "${reader.url}" }\nchecks:\n  - { id: c, kind: sql_assert, source: app, query: "select id from v_hw where t <> 'hidden.ht'", expect: { rows: 0 } }\n`);
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'never_fails']);
    expect(result.summary).toMatch(/whole row of h, a table in a schema the role may not use/);
  });
});
