/**
 * A null_check's or same-table column_parity's scope may not depend on what it counts or compares,
 * judged on the server's plan (kinds/lineage/scope-lineage.ts). Each refused case below passed on
 * the old code over a table where half the checked rows are wrong: a view filtering the counted
 * column in its own definition, through a materialized WITH, hidden by a partial index the plan
 * reads instead of the filter, a LIMIT or DISTINCT in a view, a row-security policy, a sub-query
 * reading the counted column of the same table; and the escapes and filters on other columns that
 * must still pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const nullCheck = (table: string, where?: string, columns = '[first_name]') =>
  `checks:\n  - { id: c, kind: null_check, source: app, table: ${table}, columns: ${columns}${where === undefined ? '' : `, where: ${JSON.stringify(where)}`} }\n`;
const parity = (table: string, old: string, fresh: string, where?: string) =>
  `checks:\n  - { id: c, kind: column_parity, source: app, table: ${table}, key: [id], old: ${JSON.stringify(old)}, new: ${JSON.stringify(fresh)}${where === undefined ? '' : `, where: ${JSON.stringify(where)}`} }\n`;

describe.each(engines)('a scope that depends on what is checked, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users (id int primary key, first_name text, last_name text, full_name text);
      insert into users select g, case when g % 2 = 0 then 'Ada' end, 'Lovelace', case when g % 2 = 0 then 'Ada Lovelace' else 'Bad' end from generate_series(1, 100) g;
      create view users_filtered as select * from users where first_name is not null;
      create view users_cte as with x as materialized (select * from users where first_name is not null) select * from x;
      create view users_limited as select * from users order by full_name limit 50;
      create view users_grouped as select last_name as id, max(first_name) as first_name from users group by last_name;
      create view users_alias as select id, first_name as fn, last_name from users;
      create table plain (id int primary key, first_name text, last_name text);
      insert into plain select g, 'Ada', case when g % 2 = 0 then 'Lovelace' end from generate_series(1, 100) g;
      create view plain_alias as select id, first_name as fn, last_name from plain;
      create table partial (id int, first_name text);
      insert into partial select g, case when g % 2 = 0 then 'Ada' end from generate_series(1, 5000) g;
      create index partial_named on partial (id) where first_name is not null;
      analyze partial;
      create view partial_filtered as select * from partial where first_name is not null;
      create table parts (id int, first_name text) partition by range (id);
      create table parts_1 partition of parts for values from (0) to (50);
      create table parts_2 partition of parts for values from (50) to (1000);
      insert into parts select g, 'Ada' from generate_series(1, 100) g;
      create table orders (user_id int);
      insert into orders select g from generate_series(1, 100) g;
    `);
  });
  afterAll(() => db?.close());

  const outcome = async (yaml: string) => {
    const result = await runCheck(db, yaml);
    return [result.status, result.error?.code ?? null];
  };

  it.each([
    ['a view whose own definition filters the counted column', 'users_filtered', undefined],
    ['a materialized WITH filtering it inside a view', 'users_cte', undefined],
    ['a view with LIMIT', 'users_limited', undefined],
    ['a view with GROUP BY, its aggregate passing over NULLs', 'users_grouped', undefined],
  ])('null_check refuses %s', async (_name, table, where) => {
    expect(await outcome(nullCheck(table, where))).toEqual(['error', 'scope_reads_counted']);
  });

  it('null_check refuses a filter a partial index stands in for (where the plan prints no Filter)', async () => {
    // Where the planner reads the partial index it drops the view's filter the index implies; the
    // predicate is read instead.
    expect(await outcome(nullCheck('partial_filtered', 'id between 1 and 20'))).toEqual(['error', 'scope_reads_counted']);
  });

  it.each([
    ['the counted column itself', 'plain', "first_name is null or first_name <> 'test'", '[first_name]'],
    ['a column renamed by a view', 'plain_alias', "fn is null or fn <> 'test'", '[fn]'],
    ['every partition of a partitioned table', 'parts', "first_name is null or first_name <> 'test'", '[first_name]'],
  ])('null_check still passes "c is null or …" on %s', async (_name, table, where, columns) => {
    expect(await outcome(nullCheck(table, where, columns))).toEqual(['pass', null]);
  });

  it.each([
    ['another column', 'plain', 'id > 0'],
    ['no filter at all', 'plain', undefined],
  ])('null_check still passes a filter on %s', async (_name, table, where) => {
    expect(await outcome(nullCheck(table, where))).toEqual(['pass', null]);
  });

  it('null_check still fails what it sees: a fail is never refused', async () => {
    expect(await outcome(nullCheck('users_alias', undefined, '[fn]'))).toEqual(['fail', null]);
  });

  it.each([
    ['a sub-query reading the new column of the same table', 'users', 'full_name', "first_name || ' ' || last_name", 'id in (select u2.id from users u2 where u2.first_name is not null)'],
    ['a view filtering the new column', 'users_filtered', 'full_name', "first_name || ' ' || last_name", undefined],
    ['a filter on the old column', 'users', 'full_name', "first_name || ' ' || last_name", "full_name <> 'Bad'"],
  ])('column_parity refuses %s', async (_name, table, old, fresh, where) => {
    const result = await runCheck(db, parity(table, old, fresh, where)).catch((e: Error) => e);
    if (result instanceof Error) {
      // A filter naming a compared column outside a sub-query is refused at load.
      expect(result.message).toMatch(/where: reads "full_name", which old or new is computed from/);
      return;
    }
    expect([result.status, result.error?.code]).toEqual(['error', 'scope_reads_compared']);
  });

  it('column_parity still passes a filter on other columns, and a lookup in the values', async () => {
    await db.exec(`create table names (id int primary key, full_name text, first_name text, last_name text, region int);
      insert into names select g, 'Ada Lovelace', 'Ada', 'Lovelace', g % 3 from generate_series(1, 30) g;`);
    expect(await outcome(parity('names', 'full_name', "first_name || ' ' || last_name", 'region = 1'))).toEqual(['pass', null]);
    expect(await outcome(parity('names', 'full_name', "first_name || ' ' || last_name", 'id in (select user_id from orders)'))).toEqual(['pass', null]);
    expect(await outcome(parity('names', 'full_name', "(select n.first_name from names n where n.id = names.id) || ' ' || last_name", 'region = 1'))).toEqual(['pass', null]);
  });
});
