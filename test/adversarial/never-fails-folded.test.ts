/**
 * Checks that read data yet can never fail: the answer is fixed by the shape of the SQL, not by
 * what the tables hold. Each loaded before (the data-free judgement saw a column or a table):
 * - sql_assert queries whose row count is fixed within the expectation (`select count(*) >= 0 from
 *   t` with min_rows: 1, `(select 1 from (select count(*) from t) s)`, `… limit 1` with max_rows: 1,
 *   a `where` folding to false with rows: 0) or whose one row holds a fixed value (`select max(x) is
 *   null or true from t` expecting true);
 * - `where` filters that fold to one truth value (`false and status = 'x'`, `status = 'x' and null`,
 *   `not (id is distinct from id)`) beside min_rows: 0;
 * - column_parity values with one value on every row (`amount > 0 or true` against `true`);
 * - shadow_read outputs that are functions of the key alone (`id as v`, `id::text`, `id + 0`) or
 *   fold to one value.
 * Each is now refused at load. Every refused sql_assert query is also run on both engines over an
 * empty and a full table, to show its answer really does not move; each reading twin is shown to move.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { loadSqlParser } from '../../src/sql/parser.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { problemsOf } from '../support/load-problems.js';

beforeAll(async () => { await loadSqlParser(); });

const sqlAssert = (query: string, expect: string) => `
  - id: a
    kind: sql_assert
    source: app
    query: ${JSON.stringify(query)}
    expect: ${expect}`;

/** Queries whose answer the tables cannot change, each with an expectation it therefore always meets. */
const FIXED: [string, string][] = [
  ['select 1 from (select count(*) from t) s', '{ rows: 1 }'],
  ['select 1 from (select count(*) from t) s', '{ value: 1 }'],
  ['select count(*) >= 0 from t', '{ min_rows: 1 }'],
  ['select count(*) >= 0 from t', '{ value: true }'],
  ['select exists(select 1) from t limit 1', '{ max_rows: 1 }'],
  ['select 1 where exists (select count(*) from t)', '{ rows: 1 }'],
  ['select max(x) is null or true from t', '{ value: true }'],
  ['select x from t where false and x > 0', '{ rows: 0 }'],
  ['select x from t where x > 0 and null', '{ rows: 0 }'],
  ['select x from t where not (x is not distinct from x)', '{ rows: 0 }'],
  ['select x from t where case when false then x > 0 end', '{ rows: 0 }'],
  ['select x from t where coalesce(false, x > 0)', '{ rows: 0 }'],
  ['select x from t where x in (select 1 where false)', '{ rows: 0 }'],
  ['select x from t where (x > 0) is null and x is not null and false', '{ rows: 0 }'],
  ['select x from t limit 0', '{ rows: 0 }'],
  ['select x from t order by x limit 5', '{ max_rows: 5 }'],
  ['select sum(x) from t where x > 100', '{ rows: 1 }'],
  ['select 1 from t having true', '{ rows: 1 }'],
  ['select count(*) from t union all select count(*) from t', '{ rows: 2 }'],
  ['with c as (select count(*) as n from t) select n from c', '{ min_rows: 1 }'],
  ['select count(*) = -1 from t', '{ value: false }'],
  ['select 1 from t group by ()', '{ rows: 1 }'],
  ["select 'x' from (select min(x) from t) a cross join (select max(x) from t) b", '{ value: x }'],
  // Conditions no row meets together, and a query minus itself.
  ['select x from t where x is null and x is not null', '{ rows: 0 }'],
  ['select x from t where x is null and x > 3', '{ rows: 0 }'],
  ['select x from t where x < 0 and x > 0', '{ rows: 0 }'],
  ['select x from t where x > 2 and x is not null and 1 > x', '{ rows: 0 }'],
  ['select x from t where x = 1 and x <> 1', '{ rows: 0 }'],
  ['select x from t where x between 5 and 1', '{ rows: 0 }'],
  ['select x from t where x = any(\'{}\')', '{ rows: 0 }'],
  ['select x from t where x = any(array[]::int[])', '{ rows: 0 }'],
  ['select x from t except select x from t', '{ rows: 0 }'],
  ['select x from t except all select x from t', '{ max_rows: 0 }'],
];

/** Twins that read the data: their answer moves with the table. */
const READING: [string, string][] = [
  ['select 1 from t', '{ rows: 1 }'],
  ['select count(*) > 0 from t', '{ value: true }'],
  ['select x from t where x > 0 or false', '{ rows: 0 }'],
  ['select x from t where x > 0 and true', '{ rows: 0 }'],
  ['select x from t where x is distinct from 1', '{ rows: 0 }'],
  ['select count(*) from t group by x', '{ max_rows: 1 }'],
  ['select x from t order by x limit 5', '{ max_rows: 4 }'],
  ['select generate_series(1, count(*)::int) from t', '{ rows: 1 }'],
  ['select x from t order by x fetch first 1 rows with ties', '{ max_rows: 1 }'],
  ['select 1 from t having count(*) > 2', '{ rows: 1 }'],
  ['select x = x from t', '{ value: true }'],
  ['select count(*) over () from t', '{ max_rows: 1 }'],
  ['select x from t full join (select 1 where false) z on true', '{ rows: 0 }'],
  ['select x from t where x > 0 and x < 2', '{ rows: 0 }'],
  ['select x from t where x between 1 and 5', '{ rows: 0 }'],
  ['select x from t where x between symmetric 5 and 1', '{ rows: 0 }'],
  ['select x from t where x >= 1 and x <= 1', '{ rows: 0 }'],
  ['select x from t where x = any(\'{1}\')', '{ rows: 0 }'],
  ['select x from t except select x from t where x > 1', '{ rows: 0 }'],
];

describe('sql_assert queries whose answer the data cannot change', () => {
  for (const [query, expectation] of FIXED) {
    it(`refuses ${query} with expect ${expectation}`, () => {
      expect(problemsOf(sqlAssert(query, expectation))).toEqual([expect.stringMatching(/^x\.yaml:8:\d+: checks\[0\]\.query: the query returns .*can never fail/)]);
    });
  }
  for (const [query, expectation] of READING) {
    it(`loads ${query} with expect ${expectation}`, () => {
      expect(problemsOf(sqlAssert(query, expectation))).toEqual([]);
    });
  }
  // A fixed answer that always fails is no wrong pass: it is left to fail when run.
  it('loads a fixed answer that can only fail', () => {
    expect(problemsOf(sqlAssert('select count(*) from t', '{ rows: 0 }'))).toEqual([]);
    expect(problemsOf(sqlAssert('select 1 from t limit 0', '{ min_rows: 1 }'))).toEqual([]);
  });
  // A catalog question is a real check: whether a table exists is not fixed.
  it('loads a query that asks the catalog', () => {
    expect(problemsOf(sqlAssert("select 1 where to_regclass('users_v2') is null", '{ rows: 0 }'))).toEqual([]);
    expect(problemsOf(sqlAssert("select to_regclass('users_v2') is not null", '{ value: true }'))).toEqual([]);
    expect(problemsOf(sqlAssert("select 'users_v2'::regclass::oid > 0", '{ value: true }'))).toEqual([]);
  });
});

describe.each(engines)('the refused answers really are fixed, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(engine); });
  afterAll(() => db?.close());

  /** Whether rows meet an expectation as sql_assert judges it (the value by its text, enough for these). */
  function meets(rows: Record<string, unknown>[], expectation: string): boolean {
    const [, key, wanted] = /\{ (\w+): (.*) \}/.exec(expectation)!;
    if (key === 'rows') return rows.length === Number(wanted);
    if (key === 'max_rows') return rows.length <= Number(wanted);
    if (key === 'min_rows') return rows.length >= Number(wanted);
    return rows.length === 1 && String(Object.values(rows[0]!)[0]) === wanted;
  }

  /** The verdict on an empty t, on a t of 1..6 with a NULL, on a t of one row, and on one of two equal rows. */
  async function verdicts(query: string, expectation: string): Promise<boolean[]> {
    const seen: boolean[] = [];
    for (const seed of ['', 'insert into t select g from generate_series(1, 6) g; insert into t values (null)', 'insert into t values (200)', 'insert into t values (1), (1)']) {
      await db.exec(`drop table if exists t; create table t (x int); ${seed}`);
      seen.push(meets(await db.exec(query), expectation));
    }
    return seen;
  }

  it('every refused query passes on every table', async () => {
    for (const [query, expectation] of FIXED) expect(await verdicts(query, expectation), query).toEqual([true, true, true, true]);
  });
  it('every reading twin fails on one of them', async () => {
    for (const [query, expectation] of READING) expect(await verdicts(query, expectation), query).toContain(false);
  });
});

describe('a where that folds to one truth value, with min_rows: 0', () => {
  const nullCheck = (where: string) => `
  - id: c
    kind: null_check
    source: app
    table: users
    columns: [name]
    where: ${JSON.stringify(where)}
    min_rows: 0`;
  const FOLDED = [
    "false and status = 'x'", "status = 'x' and false", "status = 'x' and null", "null and status = 'x'", "status = 'x' or true",
    'not (id is distinct from id)', 'id is distinct from id', 'case when false then id > 0 end', 'coalesce(true, id > 0)',
    "(status = 'x') is not null or true", "status = 'x' and 1 = 0", "status = 'x' and 'no'::boolean", 'id > 0 and exists (select 1 where false)',
    'id > 0 and null::int > 1', 'id < id',
  ];
  for (const where of FOLDED) {
    it(`refuses ${where}`, () => {
      expect(problemsOf(nullCheck(where))).toContainEqual(expect.stringMatching(/^x\.yaml:10:\d+: checks\[0\]\.where: .*selects every row or none/));
    });
  }
  for (const where of ["status = 'x' and true", "status = 'x' or false", 'id = id', 'id is distinct from 1', 'random() < 0.5 or id is distinct from id']) {
    it(`loads ${where}`, () => {
      expect(problemsOf(nullCheck(where))).toEqual([]);
    });
  }
  it('loads a folded where with the default min_rows (an empty scope is an error when run)', () => {
    expect(problemsOf(nullCheck("false and status = 'x'").replace(/\n    min_rows: 0/, ''))).toEqual([]);
  });
});

describe('column_parity values with one value on every row', () => {
  const parity = (old: string, neu: string) => `
  - id: c
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: ${JSON.stringify(old)}
    new: ${JSON.stringify(neu)}`;
  const PAIRS: [string, string][] = [['amount > 0 or true', 'true'], ['amount is null and false', 'not (id is distinct from id)'], ['coalesce(1, amount)', '1']];
  for (const [old, neu] of PAIRS) {
    it(`refuses ${old} against ${neu}`, () => {
      expect(problemsOf(parity(old, neu))).toEqual([expect.stringMatching(/^x\.yaml:11:\d+: checks\[0\]\.new: .*can never fail/)]);
    });
  }
  it('loads a value of a column against a constant', () => {
    expect(problemsOf(parity('amount > 0', 'true'))).toEqual([]);
  });
});

describe('shadow_read outputs that are functions of the key alone', () => {
  const shadow = (oldQuery: string, newQuery: string) => `
  - id: c
    kind: shadow_read
    key: [id]
    sample: { size: 100, from: { source: app, table: users } }
    old: { source: app, query: ${JSON.stringify(oldQuery)} }
    new: { source: app, query: ${JSON.stringify(newQuery)} }
    max_mismatch_rate: 0.05`;
  const KEYED: [string, string][] = [
    ['select id, id as v from users where id = any($keys)', 'select id, id as v from users_v2 where id = any($keys)'],
    ['select id, id::text as v from users where id = any($keys)', 'select id, id + 0 as v from users_v2 where id = any($keys)'],
    ['select u.id, u.id * 2 as v from users u where u.id = any($keys)', 'select id, 1 as v from users_v2 where id = any($keys)'],
    ['select user_id as id, user_id as v from users where user_id = any($keys)', 'select id, id as v from users_v2 where id = any($keys)'],
    ['select id, name is null or true as v from users where id = any($keys)', 'select id, true as v from users_v2 where id = any($keys)'],
    ['select id, null::text as v from users where id = any($keys)', 'select id, upper(id::text) as v from users_v2 where id = any($keys)'],
  ];
  for (const [oldQuery, newQuery] of KEYED) {
    it(`refuses ${oldQuery}`, () => {
      expect(problemsOf(shadow(oldQuery, newQuery))).toEqual([expect.stringMatching(/^x\.yaml:10:\d+: checks\[0\]\.new\.query: .*function of the key.*can never fail/)]);
    });
  }
  const READS: [string, string][] = [
    ['select id, count(id) as v from users where id = any($keys) group by id', 'select id, 1 as v from users_v2 where id = any($keys)'],
    ['select u.id, o.id as v from users u join orders o on o.user_id = u.id where u.id = any($keys)', 'select id, id as v from users_v2 where id = any($keys)'],
    ['select id, (select max(total) from orders o where o.user_id = id) as v from users where id = any($keys)', 'select id, id as v from users_v2 where id = any($keys)'],
    ['select id, name as v from users where id = any($keys)', 'select id, id as v from users_v2 where id = any($keys)'],
  ];
  for (const [oldQuery, newQuery] of READS) {
    it(`loads ${oldQuery}`, () => {
      expect(problemsOf(shadow(oldQuery, newQuery))).toEqual([]);
    });
  }
});

/*
 * Limits with no upper bound: `resume_max_age: 9999d` resumed a chunked scan on chunks read decades
 * earlier (the result passed on them), `full_every: 100000d` meant no full pass ever again (a row an
 * incremental pass missed stayed unread), `max_replica_lag: 9999d` accepted a standby that far
 * behind, `pause_ms: 999d` left a scan unfinished, and `max_rows: 9007199254740991` was a limit no
 * query reaches. Each now fails at load at its file:line:column.
 */
describe('limits that are unbounded', () => {
  const withSource = (extra: string, checks = '  - { id: r, kind: row_count, old: { source: app, table: a }, new: { source: app, table: b } }') =>
    parseCheckFile(`sources:\n  app: { url: "postgres://parity@db.internal/app"${extra} }\nchecks:\n${checks}`, 'x.yaml', {}, { osUser: 'osuser' });
  const problems = (parsed: ReturnType<typeof parseCheckFile>) => (Array.isArray(parsed) ? parsed.map(formatProblem) : []);
  it('refuses resume_max_age, max_replica_lag and pause_ms beyond their bounds, and loads them at the bound', () => {
    expect(problems(withSource(', scan: { resume_max_age: 9999d }'))).toEqual([expect.stringMatching(/^x\.yaml:2:\d+: sources\.app\.scan\.resume_max_age: must be at most 366d/)]);
    expect(problems(withSource(', max_replica_lag: 9999d'))).toEqual([expect.stringMatching(/^x\.yaml:2:\d+: sources\.app\.max_replica_lag: must be at most 366d/)]);
    expect(problems(withSource(', scan: { pause_ms: 999d }'))).toEqual([expect.stringMatching(/^x\.yaml:2:\d+: sources\.app\.scan\.pause_ms: must be at most 1m/)]);
    expect(problems(withSource(', scan: { resume_max_age: 366d, pause_ms: 1m }, max_replica_lag: 366d'))).toEqual([]);
  });
  it('refuses full_every beyond a year', () => {
    const check = (every: string) => withSource('', `  - { id: n, kind: null_check, source: app, table: t, columns: [b], incremental: { column: updated_at, overlap: 0s, full_every: ${every} } }`);
    expect(problems(check('100000d'))).toEqual([expect.stringMatching(/^x\.yaml:4:\d+: checks\[0\]\.incremental\.full_every: must be from 1s to 366d/)]);
    expect(problems(check('366d'))).toEqual([]);
  });
  it('refuses a max_rows no table reaches', () => {
    expect(problemsOf(sqlAssert('select id from orders where total < 0', '{ max_rows: 9007199254740991 }'))).toEqual([expect.stringMatching(/^x\.yaml:9:\d+: checks\[0\]\.expect\.max_rows: must be at most \d+, the most rows a Postgres table can hold/)]);
    expect(problemsOf(sqlAssert('select id from orders where total < 0', '{ max_rows: 1000000 }'))).toEqual([]);
  });
});
