/**
 * Checks that can never fail, whatever the data. column_parity compared two values that name no
 * column of the row (`1` against `2-1`, `null` against `null`, a sub-select of constants): every
 * row compared the same two constants, so the check passed (or failed) for no reason in the data.
 * A shadow_read whose two queries select the key plus constants (`select id, 1 as v from users
 * where id = any($keys)`) compared only those constants: the same on every key, whatever the rows
 * held. Each such check loaded; it is now refused at load with the place of `new` (`new.query`).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { loadSqlParser } from '../../src/sql/parser.js';

beforeAll(async () => { await loadSqlParser(); });

function problemsOf(checks: string): string[] {
  const parsed = parseCheckFile(`sources:\n  app: { url: "postgres://parity@db.internal/app" }\nchecks:\n${checks}`, 'x.yaml', {}, { osUser: 'osuser' });
  if (Array.isArray(parsed)) return parsed.map(formatProblem);
  const catalog = buildCatalog([parsed]);
  return Array.isArray(catalog) ? catalog.map(formatProblem) : [];
}

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
    ['only the key on both (judged when run: nothing_compared)', 'select id from users where id = any($keys)', 'select id from users_v2 where id = any($keys)'],
  ];
  for (const [name, oldQuery, newQuery] of READING) {
    it(`loads ${name}`, () => {
      expect(problemsOf(shadow(oldQuery, newQuery))).toEqual([]);
    });
  }
});
