/**
 * A row_count side whose rows are not each one row a table holds: a fixed series joined to a table
 * side cut to at most one row (LIMIT 1, `select distinct true from t`, `group by 1 = 1`, `join t on
 * t.id = 1`), a select-list set-returning function over a table (ProjectSet), a lateral series
 * multiplying each table row, a VALUES list joined to the table. "An inner join's rows are either
 * side's" held 100 series rows as a table's whatever users_new holds (except empty), and 10 rows of
 * users_new times 10 as legacy's 100. The same judgement is null_check's (its counted rows).
 * Sound outcome: not a pass. Controls: a join of tables with tables, an EXISTS over a set-returning
 * function, and a one-row aggregate joined to the table still pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { statusOfCheck as statusOf } from '../support/run-check.js';

const CASES: [string, string][] = [
  // From hv-same.
  ['a series cross-joined to one row of the table (LIMIT 1)', 'users_spine_limit'],
  ['a series cross-joined to DISTINCT of a constant over the table', 'users_spine_distinct'],
  ['a series cross-joined to the table grouped by a constant', 'users_spine_group'],
  ['a series inner-joined to the table on a constant key', 'users_spine_const'],
  ['a select-list series over one row of the table', 'users_projectset'],
  ['a lateral series multiplying each row of the table', 'users_lateral'],
  // Variants.
  ['a table side cut to one row joined to a series (table first)', 'users_limit_first'],
  ['a lateral unnest of an array multiplying each row', 'users_unnest'],
  ['a VALUES list cross-joined to the table', 'users_values'],
  ['a table left-joined to a lateral series', 'users_left_lateral'],
  ['a select-list series over the whole table', 'users_projectset_all'],
  ['a series right-joined to one row of the table', 'users_right'],
  ['a series joined to the table on an inequality', 'users_range_join'],
];

describe.each(engines)('row_count against rows multiplied or generated next to a table, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table legacy (id int primary key, name text);
      insert into legacy select g, 'x' from generate_series(1, 100) g;
      create table users_new (id int primary key, name text);
      insert into users_new select g, 'x' from generate_series(1, 10) g;
      create table users_copy (id int primary key, name text);
      insert into users_copy select g, 'x' from generate_series(1, 100) g;
      create table tiny (id int primary key);
      insert into tiny values (1);
      create view users_spine_limit as select g as id from generate_series(1, 100) g cross join (select 1 from users_new limit 1) one;
      create view users_spine_distinct as select g as id from generate_series(1, 100) g cross join (select distinct true from users_new) one;
      create view users_spine_group as select g as id from generate_series(1, 100) g cross join (select max(id) from users_new group by 1 = 1) one;
      create view users_spine_const as select g as id from generate_series(1, 100) g join users_new u on u.id = 1;
      create view users_projectset as select generate_series(1, 100) as id from (select from users_new limit 1) one;
      create view users_lateral as select u.id * 10 + g as id from users_new u cross join lateral generate_series(0, 9) g;
      create view users_limit_first as select g as id from (select id from users_new order by id limit 1) one cross join generate_series(1, 100) g;
      create view users_unnest as select u.id * 10 + x as id from users_new u cross join lateral unnest(array[0,1,2,3,4,5,6,7,8,9]) x;
      create view users_values as select u.id * 10 + v as id from users_new u cross join (values (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) v(v);
      create view users_left_lateral as select u.id * 10 + g as id from users_new u left join lateral generate_series(0, 9) g on true;
      create view users_projectset_all as select u.id * 10 + generate_series(0, 9) as id from users_new u;
      create view users_right as select g as id from (select 1 from users_new limit 1) one right join generate_series(1, 100) g on true;
      create view users_range_join as select g as id from generate_series(1, 100) g join users_new u on u.id <= 1;
      create view users_copy_joined as select c.id from users_copy c join legacy l on l.id = c.id;
      create view users_copy_in_series as select c.id from users_copy c where exists (select from unnest(array[c.id, c.id + 1]) x where x > 0);
      create view users_copy_with_max as select c.id, m.top from users_copy c cross join (select max(id) as top from legacy) m;
      create view users_copy_tiny as select c.id from users_copy c cross join tiny t;
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

  it.each([
    ['a join of two tables', 'users_copy_joined'],
    ['a table filtered by EXISTS over a lateral set-returning function', 'users_copy_in_series'],
    ['a table cross-joined to a one-row aggregate', 'users_copy_with_max'],
    ['a table cross-joined to a one-row table', 'users_copy_tiny'],
  ])('control: passes over rows that are a table\'s: %s', async (_name, table) => {
    expect(await statusOf(db, `{ id: c, kind: row_count, old: { source: app, table: legacy }, new: { source: app, table: ${table} } }`)).toMatch(/^pass/);
  });
});
