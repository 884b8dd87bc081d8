/**
 * From a hostile review; failed on the old code (12 of 16: every row_count and column_parity case,
 * both engines; the table_diff cases were already refused). A view that is a plain projection of
 * the other side's table is refused as a self-comparison, and `where true` was taught to count as
 * no filter (docs/decisions.md, "A view filtered by `where true` is a plain projection"). The same
 * no-op in another clause was still taken for a view of its own: `offset 0`, `limit all`, `limit
 * null` return every row of the table, and a `union all` whose other arm is filtered adds only
 * rows the table already has — yet each side "read" another relation, so row_count (and
 * column_parity's join form, whose value lineage misses the view once the table has more columns
 * than the compared one — with only (id, name) it catches it) compared the table with itself and
 * passed. Sound outcome: `error` (self_comparison), now read from the server's plan
 * (src/introspect/plan-reach.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const VIEWS: [string, string][] = [
  ['users_offset0', 'select * from users offset 0'],
  ['users_limit_all', 'select * from users limit all'],
  ['users_limit_null', 'select * from users limit null'],
  ['users_union_nothing', 'select * from users union all select * from users where id < 0'],
];

describe.each(engines)('a view of the other side\'s table behind a no-op limit, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    // Four columns: with only (id, name) the value lineage happens to catch the join form.
    await db.exec(`create table users (id int primary key, name text, first_name text, last_name text);
      insert into users select g, 'n' || g, 'f' || g, 'l' || g from generate_series(1, 50) g;
      ${VIEWS.map(([name, body]) => `create view ${name} as ${body};`).join('\n')}`);
  });
  afterAll(() => db.close());

  it.each(VIEWS.map(([name]) => name))('row_count of users against %s is a self-comparison', async (view) => {
    const result = await runCheck(db, `checks:
  - { id: c, kind: row_count, old: { source: app, table: users }, new: { source: app, table: ${view} } }
`);
    expect([result.status, result.error?.code]).toEqual(['error', 'self_comparison']);
  });

  it.each(VIEWS.slice(0, 2).map(([name]) => name))('column_parity (join form) of users.name against %s.name is a self-comparison', async (view) => {
    const result = await runCheck(db, `checks:
  - { id: c, kind: column_parity, source: app, key: [id], old: { table: users, expr: name }, new: { table: ${view}, expr: name } }
`);
    expect([result.status, result.error?.code]).toEqual(['error', 'self_comparison']);
  });

  it.each(VIEWS.slice(0, 2).map(([name]) => name))('table_diff of users against %s is a self-comparison', async (view) => {
    const result = await runCheck(db, `checks:
  - { id: c, kind: table_diff, key: [id], old: { source: app, table: users }, new: { source: app, table: ${view} } }
`);
    expect([result.status, result.error?.code]).toEqual(['error', 'self_comparison']);
  });
});
