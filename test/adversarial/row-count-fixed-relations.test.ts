/**
 * A row_count side whose number of rows its definition fixes, whatever any table holds: a view of
 * a constant series (`select g as id from generate_series(1, 100) g`, reading no table), or one
 * whose rows come from such a series with the new table only outer-joined to it
 * (`generate_series(1, 100) g left join users_new u on u.id = g`: 100 rows whether users_new holds
 * 100 rows, 10 or none). "users_new has as many rows as legacy" passes while users_new holds 10 of
 * legacy's 100; it would pass with users_new empty. column_parity refuses values that read no
 * data or are fixed whatever the row holds, and sql_assert counts that its query's row count is
 * fixed; a row_count of a relation whose count is fixed can never fail for anything in the data
 * either (and a null_check over the constant series counts no data at all).
 * Sound outcome: not a pass (an error such as never_fails, or a load problem).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const CASES: [string, string][] = [
  ['row_count against a view of a constant series', '{ id: c, kind: row_count, old: { source: app, table: legacy }, new: { source: app, table: users_series } }'],
  ['row_count against a constant series outer-joined to the new table', '{ id: c, kind: row_count, old: { source: app, table: legacy }, new: { source: app, table: users_spine } }'],
  ['null_check of a view of a constant series', '{ id: c, kind: null_check, source: app, table: users_series, columns: [id] }'],
];

describe.each(engines)('checks over a relation whose rows no data can change, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table legacy (id int primary key, name text);
      insert into legacy select g, 'x' from generate_series(1, 100) g;
      create table users_new (id int primary key, name text);
      insert into users_new select g, 'x' from generate_series(1, 10) g;
      create view users_series as select g as id from generate_series(1, 100) g;
      create view users_spine as select g as id, u.name from generate_series(1, 100) g left join users_new u on u.id = g;
    `);
  });
  afterAll(() => db?.close());

  it.each(CASES)('does not pass: %s', async (_name, check) => {
    // The trap is armed: users_new holds 10 of legacy's 100 rows.
    const [{ rows }] = (await db.exec('select count(*)::int as rows from users_new')) as [{ rows: number }];
    expect(rows).toBe(10);
    let status: string;
    try {
      const result = await runCheck(db, `checks:\n  - ${check}\n`);
      status = result.status === 'pass' ? `pass: ${result.summary}` : result.status;
    } catch (e) {
      status = `refused at load: ${(e as Error).message}`;
    }
    expect(status).not.toMatch(/^pass/);
  });
});
