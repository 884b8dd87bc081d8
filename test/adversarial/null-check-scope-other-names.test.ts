/**
 * A null_check's `where` may not depend on a counted column (src/sql/null-scope.ts). The rule
 * looked for the column's own name and the table's whole row by its own name; the same row read
 * under another name went unseen and loaded:
 *   - a subquery over the table under an alias, as the alias's whole row (`u is not null` is false
 *     where any column is NULL) or through a column alias list (`users x(id, f, fn)`);
 *   - the table's row in attribute notation (`users.to_jsonb`, `users.row_to_json`): a function
 *     of the whole row written as if it were a column.
 * Each put the NULL first names out of scope and passed (fails on the old code, both engines).
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
    columns: [first_name]
    where: ${JSON.stringify(where)}
`;

function problemsOf(where: string): string[] {
  const parsed = parseCheckFile(`sources:\n  app: { url: "postgres://u@h/db" }\n${check(where)}`, 'x.yaml', {});
  return Array.isArray(parsed) ? parsed.map(formatProblem) : [];
}

const hiding = [
  'id in (select u.id from users u where u is not null)',
  "id in (select x.id from users x(id, f, fn) where x.fn <> 'test')",
  'exists (select from users u where u.id = users.id and num_nulls(u.*) = 0)',
  "users.to_jsonb ->> 'first_name' is not null",
  "users.row_to_json::text not like '%null%'",
  "public.users.to_json::text not like '%null%'",
];

describe('a null_check whose where reads the counted column under another name', () => {
  it.each(hiding)('refuses where: %s', (where) => {
    expect(problemsOf(where)).toEqual([expect.stringMatching(/"first_name".*never counted/)]);
  });

  it.each([
    'full_name is not null',
    'first_name is null or id in (select u.id from users u where u is not null)',
  ])('still loads where: %s', (where) => {
    expect(problemsOf(where)).toEqual([]);
  });
});

describe.each(engines)('what the other name hid, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users (id int primary key, full_name text, first_name text);
      insert into users select g, 'Ada Lovelace', case when g % 2 = 0 then 'Ada' end from generate_series(1, 100) g;
    `);
  });
  afterAll(() => db?.close());

  it.each(hiding.filter((w) => !w.startsWith('public.')))('does not pass over the NULLs: %s', async (where) => {
    let status: string;
    try {
      status = (await runCheck(db, check(where))).status;
    } catch {
      status = 'refused';
    }
    expect(status).not.toBe('pass');
  });
});
