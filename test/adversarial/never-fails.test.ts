/**
 * Checks that can never fail, whatever the data. column_parity compared two values that name no
 * column of the row (`1` against `2-1`, `null` against `null`, a sub-select of constants): every
 * row compared the same two constants, so the check passed (or failed) for no reason in the data.
 * Each such check loaded; it is now refused at load with the place of `new`.
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
