/**
 * A view of the other side's table behind clauses that do nothing, read from the server's plan
 * (src/introspect/plan-reach.ts). The reach followed only plain projections, so each spelling of
 * "every row of users" it did not foresee — a condition that holds on every row, a sub-select or
 * WITH wrapper around an offset, a sort, computed columns beside every column, a UNION ALL with
 * the table as one arm — was a relation of its own, and a check comparing the table with itself
 * passed whatever the data (failed on the old code, both engines: every row_count case and the
 * column_parity over `users_sorted`; the other column_parity and the table_diff cases were refused
 * by the value lineage already, and stay as pins). The controls read other rows (a real filter, a limit, a join, a DISTINCT, `IS NOT
 * NULL` on a nullable column or on a composite NOT NULL one, a partial index's condition, a
 * column swap, in the select list or by a FROM alias's column list) and must still compare and
 * fail on their differing data. A FROM alias's column list (`from users u(id, full_name)`) renames
 * the relation's columns in the view's definition and in its plan alike; the name was taken for a
 * column of its own, so users.name against the view's full_name passed even over a plain view
 * (failed on the old code).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** Each of these shows every row of users, as the planner sees once it has removed what does nothing. */
const SAME: [string, string][] = [
  ['users_where_1', 'select * from users where 1 = 1'],
  ['users_id_is_id', 'select * from users where id = id'],
  ['users_not_null', 'select * from users where id is not null and code is not null'],
  ['users_coalesce', 'select * from users where coalesce(true, active)'],
  ['users_sub_offset', 'select * from (select * from users offset 0) s'],
  ['users_cte_limit_all', 'with x as (select * from users limit all) select * from x'],
  ['users_sorted', 'select * from users order by name offset 0'],
  ['users_computed', 'select *, upper(name) as u from users'],
  ['users_narrow_offset', 'select id, name from (select * from users offset 0) s'],
  ['users_every_clause', 'select * from users where id = id and 1 = 1 limit null offset 0'],
];
/** Each of these shows every row of users and more: on those rows the check compares users with itself. */
const MORE: [string, string][] = [
  ['users_and_active', 'select * from users where active union all select * from users'],
  ['users_and_far', '(select * from users offset 0) union all select * from users where id > 1000'],
];

describe.each(engines)('a view of the other side\'s table behind clauses that do nothing, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create type pair as (a int, b int);
      create table users (id int primary key, name text, first_name text, code text not null, active boolean not null, p pair not null);
      insert into users select g, case when g = 7 then null else 'n' || g end, 'f' || g, 'c' || g, g % 2 = 0, row(case when g = 3 then null else g end, g)::pair
        from generate_series(1, 50) g;
      create index users_active_id on users (id) where active;
      analyze users;
      ${[...SAME, ...MORE].map(([name, body]) => `create view ${name} as ${body};`).join('\n')}
      create view users_active as select * from users where active;
      create view users_first10 as select * from users limit 10;
      create view users_first20 as select * from users limit 20;
      create view users_named as select * from users where name is not null;
      create view users_whole_pair as select * from users where p is not null;
      create view users_joined as select u.* from users u join (select id from users where id <= 10) k on k.id = u.id;
      create view users_distinct as select distinct on (active) * from users;
      create view users_low as select * from users where id < 3;
      create view users_low_active as select * from users where active and id < 3;
      create view users_swapped as select id, first_name as name, name as first_name, code, active, p from users offset 0;
      create view users_upper as select id, upper(name) as name, first_name, code, active, p from users offset 0;
      create view users_aliased as select * from users u(id, full_name);
      create view users_aliased_offset as select * from users u(id, full_name) offset 0;
      create view users_aliased_swap as select * from users u(id, first_name, name) offset 0;`);
  });
  afterAll(() => db.close());

  const rowCount = (old: string, neu: string, where = '') => `checks:
  - { id: c, kind: row_count, old: { source: app, table: ${old}${where} }, new: { source: app, table: ${neu}${where} } }
`;
  const joinParity = (old: string, neu: string) => `checks:
  - { id: c, kind: column_parity, source: app, key: [id], old: { table: ${old}, expr: name }, new: { table: ${neu}, expr: name } }
`;
  const outcome = async (yaml: string) => {
    const result = await runCheck(db, yaml);
    return [result.status, result.error?.code];
  };

  it.each([...SAME, ...MORE].map(([name]) => name))('row_count of users against %s is a self-comparison', async (view) => {
    expect(await outcome(rowCount('users', view))).toEqual(['error', 'self_comparison']);
  });

  it('row_count of two such views, neither the table, is a self-comparison', async () => {
    expect(await outcome(rowCount('users_where_1', 'users_sub_offset'))).toEqual(['error', 'self_comparison']);
  });

  it('row_count with the same filter on both sides is a self-comparison', async () => {
    expect(await outcome(rowCount('users', 'users_every_clause', ', where: "id > 10"'))).toEqual(['error', 'self_comparison']);
  });

  it.each(['users_where_1', 'users_id_is_id', 'users_computed', 'users_sorted'])('column_parity (join form) of users.name against %s.name is a self-comparison', async (view) => {
    expect(await outcome(joinParity('users', view))).toEqual(['error', 'self_comparison']);
  });

  it('table_diff of users against a view behind `where 1 = 1` is a self-comparison', async () => {
    expect(await outcome(`checks:
  - { id: c, kind: table_diff, key: [id], old: { source: app, table: users }, new: { source: app, table: users_where_1 } }
`)).toEqual(['error', 'self_comparison']);
  });

  // `from users u(id, full_name)` prints users.name as `u.full_name` in the view's definition and
  // in the plan: read as a column of its own, the view's full_name was another column, and this passed.
  it.each(['users_aliased', 'users_aliased_offset'])('column_parity of users.name against %s.full_name (a FROM alias renaming it) is a self-comparison', async (view) => {
    expect(await outcome(`checks:
  - { id: c, kind: column_parity, source: app, key: [id], old: { table: users, expr: name }, new: { table: ${view}, expr: full_name } }
`)).toEqual(['error', 'self_comparison']);
  });

  it('column_parity of users.name against a FROM alias swapping name and first_name still compares', async () => {
    expect(await outcome(joinParity('users', 'users_aliased_swap'))).toEqual(['fail', undefined]);
  });

  // Controls: other rows, or other values of the same rows — the check compares and fails.
  it.each(['users_active', 'users_first10', 'users_named', 'users_whole_pair', 'users_joined', 'users_distinct'])('row_count of users against %s still compares (and fails)', async (view) => {
    expect(await outcome(rowCount('users', view))).toEqual(['fail', undefined]);
  });

  it('row_count of two views limiting one table to different counts still compares (EXPLAIN prints no limit count)', async () => {
    expect(await outcome(rowCount('users_first10', 'users_first20'))).toEqual(['fail', undefined]);
  });

  it('row_count of a view against its filter narrowed by a partial index\'s condition still compares', async () => {
    expect(await outcome(rowCount('users_low', 'users_low_active'))).toEqual(['fail', undefined]);
  });

  it.each(['users_swapped', 'users_upper'])('column_parity of users.name against %s.name (another column, or computed) still compares', async (view) => {
    expect(await outcome(joinParity('users', view))).toEqual(['fail', undefined]);
  });
});
