/**
 * row_count sides whose counted rows are produced from rows of the other side's table, and still
 * passed: the planned self-comparison (introspect/plan-reach.ts) equated arms only where both sides
 * scanned one relation under the same conditions, and took anything else — an inner, cross or
 * lateral join with the other table, a union or full-join arm reading it under a filter, a
 * DISTINCT, window, ORDER BY, LIMIT or GROUP BY over it alone — as a relation of its own. Every one
 * counts legacy's rows (100, against users_new's 10): they share rows, so `self_comparison`.
 *
 * Held (guards below): row filters reading the other table (IN, EXISTS, EXCEPT's right member,
 * INTERSECT, a one-to-one join on a unique key, a one-row aggregate) cannot add rows and still
 * compare; two sides each joining a third table do not read each other's rows. Refused although
 * one to one: a join whose uniqueness the plan does not tell (a lateral sub-select behind offset 0).
 * Held, not tested: a side reading legacy alone and keeping a subset of its rows (a filter, a
 * LIMIT, a DISTINCT the plan does not key, an INTERSECT of legacy with itself) still compares, as
 * self-comparison-planned-noops.test.ts requires of a real filter, a limit and DISTINCT ON; `where
 * id > 0` and `limit 1000000` over legacy therefore still pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { statusOfCheck } from '../support/run-check.js';

const FIXTURE = `create table legacy (id int primary key, name text);
  insert into legacy select g, 'x' from generate_series(1, 100) g;
  create table users_new (id int primary key, name text);
  insert into users_new select g, 'x' from generate_series(1, 10) g;
  create table users_two (id int primary key, name text);
  insert into users_two values (1, 'x'), (2, 'x');
  create view legacy_plain as select * from legacy;
  create table legacy_parted (id int, name text) partition by range (id);
  create table legacy_parted_1 partition of legacy_parted for values from (minvalue) to (maxvalue);
  insert into legacy_parted select * from legacy;
  create table codes (id int primary key);
  insert into codes select g from generate_series(0, 2) g;
  create view users_join_mod as select u.* from users_two u join legacy l on u.id = l.id % 2 + 1;
  create view users_join_mod_ten as select u.* from users_new u join legacy l on l.id % 10 + 1 = u.id;
  create view users_cross_filtered as select u.* from users_new u cross join (select * from legacy where id > 90) l;
  create view users_on_true as select u.* from users_two u join (select * from legacy where id > 0) l on true where u.id = 1;
  create view users_lateral_legacy as select u.id from users_new u cross join lateral (select l.id from legacy l where l.id % 10 = u.id % 10) k;
  create view users_union_distinct_filtered as select id from users_new union select id from legacy where id > 10;
  create view users_join_plain_mod as select u.* from users_two u join legacy_plain l on u.id = l.id % 2 + 1;
  create view users_join_parted as select u.* from users_two u join legacy_parted l on u.id = l.id % 2 + 1;
  create view users_intersect_new as select id from users_new intersect select id from legacy;
  create view users_lateral_one_to_one as select u.* from users_new u join lateral (select l.id from legacy l where l.id = u.id) k on true;
  create view users_lateral_fenced as select u.* from users_new u join lateral (select l.id from legacy l where l.id = u.id offset 0) k on true;
  create view users_union_filtered as select * from users_new union all (select * from legacy where id > 10);
  create view users_full_filtered as select id from users_new full join (select * from legacy where id > 0) l using (id);
  create view legacy_distinct as select distinct * from legacy;
  create view legacy_window as select *, row_number() over () as n from legacy;
  create view legacy_ordered as select * from legacy order by id;
  create view legacy_counted as select id, count(*) as n from legacy group by id;
  create view legacy_in_users as select l.* from legacy l where exists (select from users_two u where u.id = l.id % 2 + 1);
  create view legacy_window_sub as select *, rank() over (order by id) from (select * from legacy offset 0) s;
  create view legacy_grouped as select id, name from legacy group by id, name;
  create view users_in_legacy as select u.* from users_new u where u.id in (select id from legacy);
  create view users_exists_legacy as select u.* from users_new u where exists (select from legacy l where l.id = u.id);
  create view users_except_legacy as select id from users_new except all select id from legacy where id > 1000;
  create view users_join_one_to_one as select u.* from users_new u join legacy l on l.id = u.id;
  create view users_with_max as select u.id, m.top from users_new u cross join (select max(id) as top from legacy) m;
  create view legacy_join_codes as select l.* from legacy l join codes c on c.id = l.id % 3;
  create view users_join_codes as select u.* from users_new u join codes c on c.id = u.id % 3;
  create view new_from_legacy_join as select u.* from legacy l join users_new u on u.id % 5 = l.id % 5 where l.id <= 5;
  create view new_ordered as select * from users_new order by id;`;

/** New sides counting legacy's rows (100 = legacy's), each through another node. */
const SHARED: [string, string][] = [
  ['an inner join pairing each legacy row with one of two users', 'users_join_mod'],
  ['an inner join pairing each legacy row with one of ten users', 'users_join_mod_ten'],
  ['a cross join with a filtered legacy', 'users_cross_filtered'],
  ['a join on true with a filtered legacy', 'users_on_true'],
  ['a lateral sub-select of legacy per user', 'users_lateral_legacy'],
  ['a UNION ALL arm reading legacy under a filter', 'users_union_filtered'],
  ['a UNION arm reading legacy under a filter', 'users_union_distinct_filtered'],
  ['an inner join with a plain view of legacy pairing each of its rows with one of two users', 'users_join_plain_mod'],
  ['a full join with a filtered legacy', 'users_full_filtered'],
  ['SELECT DISTINCT over legacy', 'legacy_distinct'],
  ['a window function over legacy', 'legacy_window'],
  ['legacy ordered', 'legacy_ordered'],
  ['legacy grouped by every column', 'legacy_grouped'],
  ['legacy grouped by its primary key, counting', 'legacy_counted'],
  ['legacy filtered by EXISTS of a users_new row its id maps to', 'legacy_in_users'],
  ['a window function over a sub-select of legacy', 'legacy_window_sub'],
];

/** Row filters reading legacy, and joins of a third table: they still compare (and fail, at 10 of 100). */
const COMPARING: [string, string][] = [
  ['users_new filtered by IN legacy (a semi join)', 'users_in_legacy'],
  ['users_new filtered by EXISTS legacy', 'users_exists_legacy'],
  ['users_new EXCEPT a filtered legacy (its right member filters)', 'users_except_legacy'],
  ['users_new joined one to one with legacy on its primary key', 'users_join_one_to_one'],
  ['users_new cross-joined to one aggregate row of legacy', 'users_with_max'],
  ['users_new INTERSECT legacy', 'users_intersect_new'],
  ['users_new joined one to one with a lateral sub-select of legacy', 'users_lateral_one_to_one'],
];

// ANALYZE makes the planner put legacy (100 rows) on the outer side of a join with users_new.
describe.each(engines.flatMap((engine) => [[engine, ''], [engine, ', analyzed']]))('row_count sides producing rows from the other side\'s table, on %s%s', (engine, analyzed) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine as typeof engines[number]);
    await db.exec(FIXTURE);
    if (analyzed) await db.exec('analyze');
  });
  afterAll(() => db?.close());
  const run = (old: string, neu: string) => statusOfCheck(db, `{ id: c, kind: row_count, old: { source: app, table: ${old} }, new: { source: app, table: ${neu} } }`);

  it.each(SHARED)('refuses as sharing rows (legacy against %s)', async (_name, table) => {
    const [{ rows }] = (await db.exec(`select count(*)::int as rows from ${table}`)) as [{ rows: number }];
    expect(rows).toBe(100);
    expect(await run('legacy', table)).toMatch(/^error self_comparison/);
  });

  it.each(SHARED)('refuses with the sides swapped: %s', async (_name, table) => {
    expect(await run(table, 'legacy')).toMatch(/^error self_comparison/);
  });

  it('refuses an old side counting users_new rows through a join with legacy (10 = users_new\'s)', async () => {
    const [{ rows }] = (await db.exec('select count(*)::int as rows from new_from_legacy_join')) as [{ rows: number }];
    expect(rows).toBe(10);
    expect(await run('new_from_legacy_join', 'users_new')).toMatch(/^error self_comparison/);
  });

  it('refuses an old side ordering users_new', async () => {
    expect(await run('new_ordered', 'users_new')).toMatch(/^error self_comparison/);
  });

  it('refuses the partition of legacy_parted against a join reading legacy_parted', async () => {
    expect(await run('legacy_parted_1', 'users_join_parted')).toMatch(/^error self_comparison/);
  });

  it('refuses a plain view of legacy (as before)', async () => {
    expect(await run('legacy', 'legacy_plain')).toMatch(/^error self_comparison/);
  });

  it('refuses SELECT DISTINCT over a plain view of legacy against legacy', async () => {
    await db.exec('create view legacy_plain_distinct as select distinct * from legacy_plain');
    expect(await run('legacy', 'legacy_plain_distinct')).toMatch(/^error self_comparison/);
  });

  it.each(COMPARING)('guard, still compares: %s', async (_name, table) => {
    expect(await run('legacy', table)).toMatch(/^fail/);
  });

  it('held, refused: a one-to-one lateral sub-select the planner keeps apart (offset 0: no unique inner side told)', async () => {
    expect(await run('legacy', 'users_lateral_fenced')).toMatch(/^error self_comparison/);
  });

  it('guard, still compares: each side joining a third table', async () => {
    expect(await run('legacy_join_codes', 'users_join_codes')).toMatch(/^fail/);
  });
});
