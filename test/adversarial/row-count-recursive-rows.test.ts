/**
 * A row_count side whose rows a recursive WITH generates from a seed: `with recursive r(id) as
 * (select id from users_new where id = 1 union all select id + 1 from r where id < 100)` holds 100
 * rows from one row of users_new. Only the first term was judged (a table's rows), so "users_new
 * has as many rows as legacy" passed with users_new holding 10. A recursive term reading its own
 * earlier rows (a WorkTable Scan) produces rows no table holds, walked from a table or not.
 * Sound outcome: not a pass (fixed_rows), for row_count and null_check alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { statusOfCheck as statusOf } from '../support/run-check.js';

const CASES: [string, string][] = [
  // From hv-same.
  ['a recursive WITH seeded by one row of the table', 'users_recursive'],
  // Variants.
  ['a recursive WITH (UNION, not ALL) seeded by one row', 'users_recursive_union'],
  ['a recursive WITH whose recursive term joins the table', 'users_recursive_walk'],
  ['a recursive WITH read through a sub-select', 'users_recursive_nested'],
];

describe.each(engines)('row_count against rows a recursive WITH generates, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table legacy (id int primary key, name text);
      insert into legacy select g, 'x' from generate_series(1, 100) g;
      create table users_new (id int primary key, name text);
      insert into users_new select g, 'x' from generate_series(1, 10) g;
      create view users_recursive as with recursive r(id) as (select id from users_new where id = 1 union all select id + 1 from r where id < 100) select id from r;
      create view users_recursive_union as with recursive r(id) as (select id from users_new where id = 1 union select id + 1 from r where id < 100) select id from r;
      create view users_recursive_walk as with recursive r(id, n) as (select id, 1 from users_new where id = 1 union all select u.id, r.n + 1 from r join users_new u on u.id = 1 where r.n < 100) select id from r;
      create view users_recursive_nested as select id from (with recursive r(id) as (select id from users_new where id = 1 union all select id + 1 from r where id < 100) select id from r) s where id > 0;
    `);
  });
  afterAll(() => db?.close());

  it.each(CASES)('does not pass against users_new (10 of 100 rows): %s', async (_name, table) => {
    const [{ rows }] = (await db.exec('select count(*)::int as rows from users_new')) as [{ rows: number }];
    expect(rows).toBe(10);
    expect(await statusOf(db, `{ id: c, kind: row_count, old: { source: app, table: legacy }, new: { source: app, table: ${table} } }`)).not.toMatch(/^pass/);
  });

  it.each(CASES)('null_check refuses the same rows: %s', async (_name, table) => {
    // fixed_rows, unless the rows' scope reading the counted value (scope_reads_counted) is asked first.
    expect(await statusOf(db, `{ id: c, kind: null_check, source: app, table: ${table}, columns: [id] }`)).toMatch(/^error (fixed_rows|scope_reads_counted)/);
  });
});
