/**
 * Checks that can never fail, whatever the data. column_parity compared two values that name no
 * column of the row (`1` against `2-1`, `null` against `null`, a sub-select of constants): every
 * row compared the same two constants, so the check passed (or failed) for no reason in the data.
 * A shadow_read whose two queries select the key plus constants (`select id, 1 as v from users
 * where id = any($keys)`) compared only those constants: the same on every key, whatever the rows
 * held. Each such check loaded; it is now refused at load with the place of `new` (`new.query`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/sql/parser.js';
import { evaluateNullCheck, nullCheckSchema } from '../../src/kinds/null-check.js';
import { columnParitySchema, evaluateColumnParity } from '../../src/kinds/column-parity.js';
import { evaluateTableDiff, type DiffTally } from '../../src/kinds/table-diff/verdict.js';
import { evaluateRowCount, rowCountSchema } from '../../src/kinds/row-count.js';
import { recheckOutcome } from '../../src/runner/recheck.js';
import { problemsOf } from '../support/load-problems.js';

beforeAll(async () => { await loadSqlParser(); });

const sameTable = (old: string, neu: string) => `
  - id: c
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: ${JSON.stringify(old)}
    new: ${JSON.stringify(neu)}`;

const joined = (old: string, neu: string) => `
  - id: c
    kind: column_parity
    source: app
    key: [id]
    old: { table: users, expr: ${JSON.stringify(old)} }
    new: { table: users_v2, expr: ${JSON.stringify(neu)} }`;

const CONSTANT_PAIRS: [string, string][] = [
  ['1', '2-1'],
  ['null', 'null::int'],
  ["'a'", "upper('a')"],
  ['(select 1)', '1'],
  ['(select x from generate_series(1, 1) as x)', '1'],
  ['(with c as (select 1 as v) select v from c)', '1'],
  ['now()::date', 'current_date'],
  // A FROM sub-select of a WITH query: the WITH clause follows FROM in the parse tree.
  ['(with c as (select 1 as v) select v from (select v from c) x)', '1'],
  ['(with recursive c(n) as (select 1 union all select n + 1 from c where n < 3) select max(n) from c)', '3'],
  ['(select column1 from (values (1)) x)', '1'],
  ['(select * from (select 1) x)', '1'],
];

describe('column_parity values that name no column of the row', () => {
  for (const [old, neu] of CONSTANT_PAIRS) {
    it(`refuses ${old} against ${neu} (same-table form)`, () => {
      expect(problemsOf(sameTable(old, neu))).toEqual([expect.stringMatching(/^x\.yaml:11:\d+: checks\[0\]\.new(\.expr)?: .*names no column.*can never fail/)]);
    });
    it(`refuses ${old} against ${neu} (join form)`, () => {
      expect(problemsOf(joined(old, neu))).toEqual([expect.stringMatching(/^x\.yaml:10:\d+: checks\[0\]\.new(\.expr)?: .*names no column.*can never fail/)]);
    });
  }

  const READING: [string, string][] = [
    ['full_name', "'x'"],
    ["'x'", 'full_name'],
    ['1', 'users.id'],
    ['(select count(*) from orders)', '0'],
    ['(select max(x) from generate_series(1, id) as x)', '1'],
    ['users', '1'],
  ];
  for (const [old, neu] of READING) {
    it(`loads ${old} against ${neu}: one side reads data`, () => {
      expect(problemsOf(sameTable(old, neu))).toEqual([]);
    });
  }
});

const shadow = (oldQuery: string, newQuery: string, extra = '') => `
  - id: c
    kind: shadow_read
    key: [id]
    sample: { size: 100, from: { source: app, table: users } }
    old: { source: app, query: ${JSON.stringify(oldQuery)} }
    new: { source: app, query: ${JSON.stringify(newQuery)} }
    max_mismatch_rate: 0.05${extra}`;

describe('shadow_read queries whose compared fields are constants', () => {
  const CONSTANT: [string, string, string, string?][] = [
    ['key plus a constant', 'select id, 1 as v from users where id = any($keys)', 'select id, 2-1 as v from users_v2 where id = any($keys)'],
    ['constants of several kinds', "select id, null::text as a, 'x' as b from users where id = any($keys)", "select id, null::text as a, lower('X') as b from users_v2 where id = any($keys)"],
    ['a column of generate_series', 'select id, g from users, generate_series(1, 1) as g where id = any($keys)', 'select id, 1 as g from users_v2 where id = any($keys)'],
    ['a WITH query of constants', 'with c as (select 1 as v) select id, c.v from users, c where id = any($keys)', 'select id, 1 as v from users_v2 where id = any($keys)'],
    ['the data ignored, a constant left', 'select id, name, 1 as v from users where id = any($keys)', 'select id, name, 1 as v from users_v2 where id = any($keys)', '\n    compare: { ignore: [name] }'],
    ['the key alone against a constant', 'select id from users where id = any($keys)', 'select id, 1 as v from users_v2 where id = any($keys)'],
    ['constants in every branch of a union', 'select id, 1 as v from users where id = any($keys) union all select id, 2 from users where false', 'select id, 1 as v from users_v2 where id = any($keys)'],
    ['every column of a sub-select of constants', 'select * from (select id, 1 as v from users) as s where id = any($keys)', 'select id, 1 as v from users_v2 where id = any($keys)'],
    ['every column of a WITH query of constants', 'with s as (select id, 1 as v from users) select * from s where id = any($keys)', 'select id, 1 as v from users_v2 where id = any($keys)'],
    ['a sub-select of a WITH query of constants', 'select id, k.v from users, (with c as (select 1 as v) select v from (select v from c) y) k where id = any($keys)', 'select id, 1 as v from users_v2 where id = any($keys)'],
    ['a column definition list over a constant', `select id, a from users, json_to_record('{"a":1}') as x(a int) where id = any($keys)`, 'select id, 1 as a from users_v2 where id = any($keys)'],
    ['an unnamed constant (named ?column? by Postgres)', 'select id, 1 from users where id = any($keys)', 'select id, 2-1 from users_v2 where id = any($keys)'],
    ['every column of a named sub-select of constants (x.*)', 'select id, x.* from users, (select 1 as v) x where id = any($keys)', 'select id, 1 as v from users_v2 where id = any($keys)'],
    ['a lateral VALUES list', 'select id, x.v from users, lateral (values (1)) as x(v) where id = any($keys)', 'select id, 1 as v from users_v2 where id = any($keys)'],
  ];
  for (const [name, oldQuery, newQuery, extra] of CONSTANT) {
    it(`refuses ${name}`, () => {
      expect(problemsOf(shadow(oldQuery, newQuery, extra))).toEqual([expect.stringMatching(/^x\.yaml:10:\d+: checks\[0\]\.new\.query: .*constant.*can never fail/)]);
    });
  }

  const READING: [string, string, string][] = [
    ['a column on one side', 'select id, name from users where id = any($keys)', 'select id, 1 as name from users_v2 where id = any($keys)'],
    ['a column through a relation alias', 'select u.id, u.name as v from users u where u.id = any($keys)', 'select id, 1 as v from users_v2 where id = any($keys)'],
    ['a lateral function of a column', 'select id, g from users, generate_series(1, id) as g where id = any($keys)', 'select id, 1 as g from users_v2 where id = any($keys)'],
    ['every column', 'select * from users where id = any($keys)', 'select id, 1 as v from users_v2 where id = any($keys)'],
    ['every column of a sub-select reading a column', 'select * from (select id, name as v from users) as s where id = any($keys)', 'select id, 1 as v from users_v2 where id = any($keys)'],
    // Both arms read users: an arm over another table (users_archive) would leave sample.from unable to say it holds every old key (sample-side.ts).
    ['a union with a column in one branch', 'select id, 1 as v from users where id = any($keys) union all select id, name from users where id = any($keys) and false', 'select id, 1 as v from users_v2 where id = any($keys)'],
    ['only the key on both (judged when run: nothing_compared)', 'select id from users where id = any($keys)', 'select id from users_v2 where id = any($keys)'],
  ];
  for (const [name, oldQuery, newQuery] of READING) {
    it(`loads ${name}`, () => {
      expect(problemsOf(shadow(oldQuery, newQuery))).toEqual([]);
    });
  }
});

/*
 * An absolute threshold at least as large as what the scope could ever count — `max_nulls: 1000`
 * over 500 rows, `max_mismatches` at or above the rows compared (in the join form, both sides'
 * rows: every key could be missing on the other side), `max_differences` at or above both sides'
 * rows — let every row differ and still pass. The ratio forms refuse 1 at load; the absolute forms
 * can only be judged once the rows are counted, so such a run is now "could not verify".
 */
describe('absolute thresholds that the scope cannot exceed', () => {
  const nullCheck = (extra: Record<string, unknown>) => nullCheckSchema.parse({ id: 'n', kind: 'null_check', source: 'app', table: 'users', columns: ['a'], ...extra });
  const sameTableParity = (extra: Record<string, unknown>) => columnParitySchema.parse({ id: 'p', kind: 'column_parity', source: 'app', table: 'users', key: ['id'], old: 'a', new: 'b', ...extra });
  const joinParity = (extra: Record<string, unknown>) => columnParitySchema.parse({ id: 'p', kind: 'column_parity', source: 'app', key: ['id'], old: { table: 'a', expr: 'x' }, new: { table: 'b', expr: 'x' }, ...extra });
  const tally = (oldRows: number, newRows: number, changed: number): DiffTally => ({
    oldRows, newRows, missingInNew: 0, missingInOld: 0, changed, changedByColumn: [changed], changedUnattributed: 0,
    keys: { missingInNew: [], missingInOld: [], changed: [] }, rows: { old: new Map(), new: new Map() }, rowsTransferred: 0, passes: 1, bucketBits: 4,
  });

  it('null_check: max_nulls at or above the rows in scope cannot verify, even with every row NULL', () => {
    for (const max of [3, 4, 1000]) {
      const outcome = evaluateNullCheck(nullCheck({ max_nulls: max }), { rows: 3, rows_with_nulls: 3, nulls_0: 3 });
      expect(outcome.status, `max_nulls ${max}`).toBe('error');
      expect(outcome.error?.code).toBe('threshold_covers_scope');
    }
    expect(evaluateNullCheck(nullCheck({ max_nulls: 2 }), { rows: 3, rows_with_nulls: 2, nulls_0: 2 }).status).toBe('pass');
    expect(evaluateNullCheck(nullCheck({ max_nulls: 5, min_rows: 0 }), { rows: 0, rows_with_nulls: 0, nulls_0: 0 }).status).toBe('pass');
  });

  it('column_parity: max_mismatches at or above the rows that could differ cannot verify', () => {
    const same = evaluateColumnParity(sameTableParity({ max_mismatches: 10 }), { rows: 10, mismatches: 10 });
    expect(same.status).toBe('error');
    expect(same.error?.code).toBe('threshold_covers_scope');
    expect(evaluateColumnParity(sameTableParity({ max_mismatches: 9 }), { rows: 10, mismatches: 9 }).status).toBe('pass');
    const joinCounts = { rows: 10, mismatches: 10, missing_in_old: 0, missing_in_new: 0, old_rows: 10, new_rows: 10 };
    // Every key kept and every value changed counts 10, not 20: 10 to 19 let every row be wrong.
    for (const max of [10, 15, 19, 20]) {
      expect(evaluateColumnParity(joinParity({ max_mismatches: max }), joinCounts).status, `max_mismatches ${max}`).toBe('error');
    }
    expect(evaluateColumnParity(joinParity({ max_mismatches: 9 }), { ...joinCounts, mismatches: 9 }).status).toBe('pass');
    expect(evaluateColumnParity(joinParity({ max_mismatches: 11 }), { ...joinCounts, old_rows: 12, mismatches: 10, missing_in_new: 2 }).status).toBe('fail');
  });

  // A relative tolerance of 1 is refused at load because it accepts an empty new table; an absolute
  // one at or above the old count is the same allowance, spelt in rows: every old row could be gone.
  it('row_count: tolerance.absolute at or above the old rows cannot verify, even with new all but empty', () => {
    const rowCount = (extra: Record<string, unknown>) => rowCountSchema.parse({ id: 'r', kind: 'row_count', old: { source: 'app', table: 'a' }, new: { source: 'app', table: 'b' }, ...extra });
    for (const absolute of [1000, 1001, 1_000_000]) {
      const outcome = evaluateRowCount(rowCount({ tolerance: { absolute } }), 1000, 1);
      expect(outcome.status, `absolute ${absolute}`).toBe('error');
      expect(outcome.error?.code).toBe('threshold_covers_scope');
    }
    // With min_rows: 0 the new side may be empty: still an allowance that covers every old row.
    expect(evaluateRowCount(rowCount({ tolerance: { absolute: 5 }, min_rows: 0 }), 5, 0).status).toBe('error');
    expect(evaluateRowCount(rowCount({ tolerance: { absolute: 999 } }), 1000, 1).status).toBe('pass');
    expect(evaluateRowCount(rowCount({ tolerance: { absolute: 999 } }), 1000, 2000).status).toBe('fail');
    // An empty old side allowed by min_rows: 0 has no rows to lose: judged as before.
    expect(evaluateRowCount(rowCount({ tolerance: { absolute: 5 }, min_rows: 0 }), 0, 3).status).toBe('pass');
  });

  it('table_diff: max_differences at or above the larger side\'s rows cannot verify', () => {
    // Every row changed counts once per key: 4 differences over 4 + 4 rows.
    for (const max of [4, 7, 8]) {
      const outcome = evaluateTableDiff({ key: ['id'], max_differences: max, sample: 0 }, ['a'], tally(4, 4, 4), 'users');
      expect(outcome.status, `max_differences ${max}`).toBe('error');
      expect(outcome.error?.code).toBe('threshold_covers_scope');
    }
    // 4 + 6 rows: every row wrong is at least 6 (4 changed, 2 missing), so 6 covers it and 5 does not.
    expect(evaluateTableDiff({ key: ['id'], max_differences: 6, sample: 0 }, ['a'], tally(4, 6, 4), 'users').status).toBe('error');
    expect(evaluateTableDiff({ key: ['id'], max_differences: 5, sample: 0 }, ['a'], tally(4, 6, 4), 'users').status).toBe('pass');
    expect(evaluateTableDiff({ key: ['id'], max_differences: 3, sample: 0 }, ['a'], tally(4, 4, 3), 'users').status).toBe('pass');
  });
});

/*
 * `recheck: failing` re-reads only the keys that failed, but judged them with the check's own
 * threshold: `max_mismatches: 5` over the 8 rows that failed passed with 5 of them still wrong, and
 * the recheck said the repair was done. Every re-read key is one that failed, so any of them still
 * failing is a failure of the recheck.
 */
describe('a recheck judges the failing keys with no allowance', () => {
  const plan = { ofResult: 'r1', keyColumns: ['id'], keys: Array.from({ length: 8 }, (_, i) => [String(i)]), failingBefore: 8, unaddressable: 0 };
  it('fails when a re-read key still differs, whatever the threshold allowed', () => {
    const outcome = recheckOutcome({ status: 'pass', summary: '5 mismatching of 8 rows', observations: { rows: 8, mismatches: 5 }, samples: [] }, plan);
    expect(outcome.status).toBe('fail');
    expect(recheckOutcome({ status: 'pass', summary: 'ok', observations: { rows: 8, mismatches: 0 }, samples: [] }, plan).status).toBe('pass');
  });
});

/*
 * A `where` that names no column selects every row or none. With `min_rows: 0` (an empty scope
 * allowed) a constant-false one — `false`, `1 = 0`, `null` — makes the scope certainly empty, and
 * the check passed whatever the tables held (0 = 0 rows, all 0 rows filled, 0 mismatches). Such a
 * `where` is now refused at load beside `min_rows: 0`; with `min_rows` 1 or more the empty scope
 * is already "could not verify" when the check runs.
 */
describe('a where that names no column, with min_rows: 0', () => {
  const cases: [string, string, RegExp][] = [
    ['row_count', `
  - id: c
    kind: row_count
    old: { source: app, table: users, where: "1 = 0" }
    new: { source: app, table: users_v2, where: "false" }
    min_rows: 0`, /^x\.yaml:7:\d+: checks\[0\]\.old\.where: .*names no column/],
    ['null_check', `
  - id: c
    kind: null_check
    source: app
    table: users
    columns: [name]
    where: "null"
    min_rows: 0`, /^x\.yaml:10:\d+: checks\[0\]\.where: .*names no column/],
    ['column_parity', `
  - id: c
    kind: column_parity
    source: app
    table: users
    key: [id]
    old: a
    new: b
    where: "(select false)"
    min_rows: 0`, /^x\.yaml:12:\d+: checks\[0\]\.where: .*names no column/],
    ['table_diff', `
  - id: c
    kind: table_diff
    key: [id]
    old: { source: app, table: users }
    new: { source: app, table: users_v2, where: "not true" }
    min_rows: 0`, /^x\.yaml:9:\d+: checks\[0\]\.new\.where: .*names no column/],
  ];
  for (const [kind, yaml, problem] of cases) {
    it(`refuses it in ${kind}`, () => {
      const problems = problemsOf(yaml);
      expect(problems.length).toBeGreaterThan(0);
      expect(problems[0]).toMatch(problem);
    });
    it(`loads it in ${kind} with the default min_rows (an empty scope is an error when run)`, () => {
      expect(problemsOf(yaml.replace(/\n    min_rows: 0/, ''))).toEqual([]);
    });
  }
  // A WITH query read through a FROM sub-select, and a WITH query of data nobody reads: both constant.
  for (const where of ['(with c as (select false as v) select v from (select v from c) x)', '(with u as (select name from users) select false)']) {
    it(`refuses ${where} in null_check`, () => {
      expect(problemsOf(cases[1]![1].replace('where: "null"', `where: "${where}"`))[0]).toMatch(/^x\.yaml:10:\d+: checks\[0\]\.where: .*names no column/);
    });
  }
  it('loads a where that reads a column, with min_rows: 0', () => {
    expect(problemsOf(cases[1]![1].replace('where: "null"', `where: "status = 'x'"`))).toEqual([]);
  });
});
