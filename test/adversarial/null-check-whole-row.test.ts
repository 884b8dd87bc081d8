/**
 * null_check names its columns bare (`"emails" is null`). A bare name that is no column of the
 * table but is the table's own name is, to Postgres, the whole row — and a row IS NULL only when
 * every one of its columns is. So `columns: [emails]` on table `emails` (a typo for `email`)
 * checked nothing and passed over NULLs. Now a listed column that shares the table's name must
 * exist as a column, or the check is `error: missing_column`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describe.each(engines)('null_check on a column named like its table on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create schema app;
      create table app.emails (id int primary key, email text);
      insert into app.emails values (1, 'a@example.com'), (2, null), (3, 'c@example.com');
      create table public.emails (like app.emails including all);
      insert into public.emails select * from app.emails;
      create table app.tags (id int primary key, tags text);
      insert into app.tags values (1, 'x'), (2, null);
    `);
  });
  afterAll(() => db.close());

  it('the bare name is the whole row, which is not NULL (the trap is armed)', async () => {
    expect(await db.exec('select count(*) filter (where "emails" is null)::int as n from app.emails')).toEqual([{ n: 0 }]);
  });

  it('a listed column that is only the table name is an error, not a pass', async () => {
    for (const table of ['emails', 'app.emails']) {
      const result = await runCheck(db, `checks:
  - { id: typo, kind: null_check, source: app, table: ${table}, columns: [emails] }
`);
      expect([table, result.status, result.error?.code]).toEqual([table, 'error', 'missing_column']);
    }
  });

  it('a real column of the same name as its table is checked as the column', async () => {
    const result = await runCheck(db, `checks:
  - { id: real, kind: null_check, source: app, table: app.tags, columns: [tags] }
`);
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ rows_with_nulls: 1 });
  });
});
