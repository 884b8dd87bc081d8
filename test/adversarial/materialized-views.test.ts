/**
 * A materialized view is a stored snapshot of a query (`limit 0`, `coalesce(name, '')`,
 * `generate_series(1, 100)`), refreshed whenever its owner likes, and its plan is a plain relation
 * scan: null_check's never_null, row_count's fixed_rows and sql_assert's judgements of plans and
 * definitions all took its rows for a table's. Every read that would reach one — named, under a
 * view, in a sub-select — is refused (`materialized_view`): verify the tables it is computed from.
 * Cases from hv-same (three) and hv-assert (one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** The check's status and fault code (or how it was refused at load). */
async function outcomeOf(db: TestDatabase, check: string): Promise<string> {
  try {
    const result = await runCheck(db, `checks:\n  - ${check}\n`);
    return result.status === 'pass' ? `pass: ${result.summary}` : `${result.status} ${result.error?.code ?? ''}`.trim();
  } catch (e) {
    return `refused at load: ${(e as Error).message}`;
  }
}

describe.each(engines)('materialized views are not read as table rows, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users (id int primary key, name text);
      insert into users select g, case when g % 2 = 0 then 'Ada' end from generate_series(1, 100) g;
      create materialized view users_filled_mv as select id, coalesce(name, '') as name from users;

      create table legacy (id int primary key, name text);
      insert into legacy select g, 'x' from generate_series(1, 100) g;
      create table users_new (id int primary key, name text);
      insert into users_new select g, 'x' from generate_series(1, 10) g;
      create materialized view users_series_mv as select g as id from generate_series(1, 100) g;

      create table o_t (k int primary key, v int);
      insert into o_t select g, case when g <= 5 then -g else g end from generate_series(1, 20) g;
      create table n_t (k int primary key, v int);
      insert into n_t select g, g from generate_series(1, 20) g;
      create materialized view keys_agreeing as select o.k from o_t o join n_t n using (k) where o.v = n.v;

      create table orders (id int primary key, total numeric not null);
      insert into orders select g, case when g % 2 = 0 then -1 else 1 end from generate_series(1, 100) g;
      create materialized view mv_none as select * from orders limit 0;
      -- Reached only through a view, and through a view's sub-select.
      create view orders_v as select * from mv_none;
      create view orders_sub as select * from orders where id in (select id from mv_none);
      -- A snapshot that is all of a table's rows: refused all the same (it is refreshed when its owner likes).
      create materialized view users_frozen as select * from users;`);
  });
  afterAll(() => db?.close());

  it('null_check does not pass over 50 NULL names read through a materialized view column filled by coalesce', async () => {
    expect(await db.exec('select count(*)::int as nulls from users where name is null')).toEqual([{ nulls: 50 }]);
    expect(await outcomeOf(db, '{ id: c, kind: null_check, source: app, table: users_filled_mv, columns: [name] }')).toBe('error materialized_view');
  });

  it('row_count does not pass against users_new (10 of 100 rows) through a materialized view of a constant series', async () => {
    expect(await db.exec('select count(*)::int as rows from users_new')).toEqual([{ rows: 10 }]);
    expect(await outcomeOf(db, '{ id: c, kind: row_count, old: { source: app, table: legacy }, new: { source: app, table: users_series_mv } }')).toBe('error materialized_view');
  });

  it('join-form scopes reading a materialized snapshot of the agreeing keys do not pass over 5 mismatches', async () => {
    expect(await db.exec('select count(*)::int as differ from o_t o join n_t n using (k) where o.v <> n.v')).toEqual([{ differ: 5 }]);
    const scope = 'where: "k in (select k from keys_agreeing)"';
    expect(await outcomeOf(db, `{ id: c, kind: column_parity, source: app, key: [k], old: { table: o_t, expr: v, ${scope} }, new: { table: n_t, expr: v, ${scope} } }`)).toBe('error materialized_view');
  });

  it.each([
    ['a materialized view defined with LIMIT 0', 'select id from mv_none where total < 0'],
    ['a view over it', 'select id from orders_v where total < 0'],
    ["a view whose sub-select reads it", 'select id from orders_sub where total < 0'],
    ['a sub-select of the query', 'select id from orders where total < 0 and id not in (select id from mv_none)'],
  ])('sql_assert rows: 0 does not pass over 50 negative orders: %s', async (_name, query) => {
    expect(await db.exec('select count(*)::int as n from orders where total < 0')).toEqual([{ n: 50 }]);
    expect(await outcomeOf(db, `{ id: c, kind: sql_assert, source: app, query: "${query}", expect: { rows: 0 } }`)).toBe('error materialized_view');
  });

  it('the refusal names the materialized view and says to verify the tables it is computed from', async () => {
    const result = await runCheck(db, 'checks:\n  - { id: c, kind: null_check, source: app, table: users_frozen, columns: [name], min_rows: 0 }\n');
    expect([result.status, result.error?.code]).toEqual(['error', 'materialized_view']);
    expect(result.error?.message).toMatch(/users_frozen/);
    expect(result.error?.message).toMatch(/tables it is computed from/);
  });

  it('control: the tables under them are read as before', async () => {
    expect(await outcomeOf(db, '{ id: c, kind: null_check, source: app, table: users, columns: [name] }')).toBe('fail');
    expect(await outcomeOf(db, '{ id: c, kind: sql_assert, source: app, query: "select id from orders where total < 0", expect: { rows: 0 } }')).toBe('fail');
  });
});
