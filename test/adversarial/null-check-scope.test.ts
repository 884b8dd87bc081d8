/**
 * A null_check counts NULLs among the rows its `where` selects. A `where` that itself requires a
 * listed column to be non-NULL (`first_name is not null`, written for `full_name is not null`)
 * leaves that column's NULLs out of scope: its count is 0 whatever the table holds. Before the fix
 * such a check loaded and passed over a table where half the first names were NULL, on both
 * engines. It is now a load problem at `where`, and so is any other condition on a listed column
 * (`<> 'test'`, `lower(…)`, `coalesce(…)`, OR without `c is null`, a whole-row reference): each
 * can be NULL or false where the column is NULL. A filter on other columns, or a condition written
 * `c is null or (…)`, still loads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const check = (where: string) => `checks:
  - id: names-backfilled
    kind: null_check
    source: app
    table: users
    columns: [first_name, last_name]
    where: ${JSON.stringify(where)}
`;

function problemsOf(where: string): string[] {
  const parsed = parseCheckFile(`sources:\n  app: { url: "postgres://u@h/db" }\n${check(where)}`, 'x.yaml', {});
  return Array.isArray(parsed) ? parsed.map(formatProblem) : [];
}

describe('a null_check whose where excludes the NULLs it counts', () => {
  it.each([
    ['first_name is not null', 'first_name'],
    ['full_name IS NOT NULL AND first_name IS NOT NULL', 'first_name'],
    ['(users.last_name is not null) and (deleted_at is null)', 'last_name'],
    ['not (first_name is null)', 'first_name'],
    ['full_name is not null and (last_name is not null and id > 0)', 'last_name'],
    // Any condition on the column is NULL (so false) where the column is NULL, not only IS NOT NULL.
    ["first_name <> 'test'", 'first_name'],
    ["lower(first_name) not like 'qa%'", 'first_name'],
    ["first_name <> ''", 'first_name'],
    ['first_name is not null or legacy', 'first_name'],
    ['coalesce(first_name, full_name) is not null', 'first_name'],
    ["length(last_name) > 0 and full_name is not null", 'last_name'],
    ["first_name in (select name from allowed)", 'first_name'],
    ["not (first_name is null or id < 0)", 'first_name'],
  ])('refuses where: %s', (where, column) => {
    // A subquery counts against every listed column (null-check-scope-other-names.test.ts).
    expect(problemsOf(where)).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^x\\.yaml:9:\\d+: checks\\[0\\]\\.where: .*"${column}".*never counted`))]));
  });

  it.each([
    // The whole row holds every listed column.
    "users::text <> ''",
    'num_nulls(users.*) < 3',
  ])('refuses a whole-row reference: %s', (where) => {
    expect(problemsOf(where)).toEqual([
      expect.stringMatching(/"first_name".*never counted/),
      expect.stringMatching(/"last_name".*never counted/),
    ]);
  });

  it.each([
    'full_name is not null',
    '"First_Name" is not null',
    'first_name is null',
    "full_name is not null and (first_name is null or first_name <> 'test')",
    "(last_name is null or lower(last_name) <> 'qa') and created_at > '2024-01-01'",
  ])('still loads where: %s', (where) => {
    expect(problemsOf(where)).toEqual([]);
  });
});

describe.each(engines)('what the filter hid, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users (id int primary key, full_name text, first_name text, last_name text);
      insert into users select g, 'Ada Lovelace', case when g % 2 = 0 then 'Ada' end, 'Lovelace' from generate_series(1, 100) g;
    `);
  });
  afterAll(() => db?.close());

  it('the intended filter fails on the NULL first names; the typo does not load', async () => {
    const result = await runCheck(db, check('full_name is not null'));
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ rows: 100, rows_with_nulls: 50 });
    await expect(runCheck(db, check('first_name is not null'))).rejects.toThrow(/"first_name".*never counted/);
  });
});
