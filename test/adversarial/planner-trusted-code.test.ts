/**
 * Stored results the planner trusts, computed by code their owner can redefine (from hv-write). A
 * database owner who is no superuser makes an immutable SQL function, builds a partial index
 * `where public.missing(email)`, a CHECK `check (public.small(qty))` (on a table, an inheritance
 * child, a partition) or a partition key `partition by range (public.k(x))` while the function
 * returns one thing, then `create or replace`s it. The rows stored are no longer what the
 * definition says, and the planner still trusts the definition: a partial index "covers" the query
 * (an index-only scan of an index lacking the rows), constraint exclusion drops a child or a
 * partition, pruning routes by the new key. The read returned no rows where the table held them,
 * and a sql_assert that there are none passed. Such a read is now refused
 * (`planner_trusted_code`); a NOT VALID CHECK (never trusted by the planner), and a CHECK or a
 * partial index of built-ins only, are read as before.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminQuery, createTestDatabase, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const OWNER = `parity_ptcowner_${process.pid}`;

describeOnPostgres('definitions an owner redefined after the planner was told to trust them, on postgres', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    await adminQuery(`drop role if exists ${OWNER}; create role ${OWNER} login nosuperuser`);
    db = await createTestDatabase('postgres');
    const url = new URL(db.url);
    const name = url.pathname.slice(1);
    await db.exec(`alter database "${name}" owner to ${OWNER}; grant all on schema public to ${OWNER}`);
    url.username = OWNER;
    const owner = postgres(url.toString(), { max: 1, onnotice: () => {} });
    try {
      await owner.unsafe(`
        -- A partial index built while its predicate was false for every row, then redefined.
        create function public.missing(v text) returns boolean language sql immutable as $f$ select false $f$;
        create table public.users (id int primary key, email text);
        insert into public.users select g, case when g % 100 = 0 then null else 'u' || g end from generate_series(1, 10000) g;
        create index users_missing on public.users (id) where public.missing(email);
        create or replace function public.missing(v text) returns boolean language sql immutable as $f$ select v is null $f$;
        analyze public.users;

        -- A CHECK made true for every row, then redefined so that the rows break it.
        create function public.small(v int) returns boolean language sql immutable as $f$ select true $f$;
        create table public.orders (id int primary key, qty int, constraint qty_small check (public.small(qty)));
        insert into public.orders select g, g from generate_series(1, 20) g;
        -- The same CHECK on an inheritance child and on a partition: appendrel members, excluded
        -- under the default constraint_exclusion = partition.
        create table public.parent (id int, qty int);
        create table public.child (constraint qty_small check (public.small(qty))) inherits (public.parent);
        insert into public.child select g, g from generate_series(1, 20) g;
        create table public.parted (id int, qty int) partition by range (id);
        create table public.parted_low partition of public.parted for values from (minvalue) to (10);
        create table public.parted_high partition of public.parted (constraint qty_small check (public.small(qty))) for values from (10) to (maxvalue);
        insert into public.parted select g, g from generate_series(1, 20) g;
        create table public.returns (id int primary key, qty int);
        insert into public.returns select g, 1 from generate_series(1, 20) g;

        -- A partition key computed by a function, rows routed by the old definition.
        create function public.k(v int) returns int language sql immutable as $f$ select v $f$;
        create table public.keyed (id int, x int) partition by range (public.k(x));
        create table public.keyed_low partition of public.keyed for values from (minvalue) to (10);
        create table public.keyed_high partition of public.keyed for values from (10) to (maxvalue);
        insert into public.keyed select g, g from generate_series(1, 20) g;
        create or replace function public.k(v int) returns int language sql immutable as $f$ select v + 100 $f$;

        -- Controls. A NOT VALID CHECK calling the same function (the planner never trusts one),
        -- a CHECK and a partial index of built-ins only.
        create table public.nv_parent (id int, qty int);
        create table public.nv_child () inherits (public.nv_parent);
        insert into public.nv_child select g, g from generate_series(1, 20) g;
        alter table public.nv_child add constraint nv_small check (public.small(qty)) not valid;
        create table public.b_parent (id int, qty int);
        create table public.b_child (constraint qty_bounded check (qty between 1 and 100)) inherits (public.b_parent);
        insert into public.b_child select g, g from generate_series(1, 20) g;
        create table public.b_users (id int primary key, email text);
        insert into public.b_users select g, case when g % 100 = 0 then null else 'u' || g end from generate_series(1, 10000) g;
        create index b_users_missing on public.b_users (id) where email is null;
        analyze public.b_users;

        -- An operator of the owner's over a built-in function: its declared negator is a claim the planner trusts.
        -- (Off the search_path: on it, an operator of the owner's stands in for built-ins, stand_in_code.)
        create schema ops;
        create operator ops.<<< (leftarg = int, rightarg = int, function = pg_catalog.int4lt);
        create table public.op_parent (id int, qty int);
        create table public.op_child (constraint qty_op check (qty operator(ops.<<<) 100)) inherits (public.op_parent);
        insert into public.op_child select g, g from generate_series(1, 20) g;

        create or replace function public.small(v int) returns boolean language sql immutable as $f$ select v < 10 $f$;
        alter database "${name}" set constraint_exclusion = on;`);
      const [me] = await owner`select rolsuper from pg_roles where rolname = current_user`;
      expect(me?.rolsuper).toBe(false);
    } finally {
      await owner.end();
    }
    // The data really holds what the checks below look for (read by forms the planner cannot prove from the definitions).
    expect(await db.exec("select count(*)::int as n from users where coalesce(email, '') = ''")).toEqual([{ n: 100 }]);
    for (const table of ['orders', 'parent', 'parted', 'nv_parent', 'b_parent']) {
      expect(await db.exec(`select count(*)::int as n from ${table} where qty + 0 >= 10`)).toEqual([{ n: 11 }]);
    }
    expect(await db.exec('select count(*)::int as n from keyed_low where x + 0 >= 10')).toEqual([{ n: 0 }]);
  });
  afterAll(async () => {
    await db?.close();
    await adminQuery(`drop role if exists ${OWNER}`);
  });

  const assertNone = (query: string) => runCheck(db, `checks:\n  - { id: c, kind: sql_assert, source: app, query: "${query}" }\n`);

  it('a sql_assert that no user lacks an e-mail is not a pass when a partial index the planner trusts lacks those rows', async () => {
    const result = await assertNone('select id from users where email is null');
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'planner_trusted_code']);
    expect(result.error?.message).toMatch(/users_missing/);
    expect(result.error?.message).toMatch(/missing\(text\)/);
  });

  it('control: a null_check of the same column counts with a filter, not a WHERE, and is refused too', async () => {
    // Before the fix it failed (the count reads every row); it reads the same relation, so it is refused the same way.
    const result = await runCheck(db, 'checks:\n  - { id: c, kind: null_check, source: app, table: users, columns: [email] }\n');
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'planner_trusted_code']);
  });

  it('control: a sql_assert whose only table is excluded (once refused as never_fails from its plan) is refused before it is planned', async () => {
    const result = await assertNone('select id from orders where qty >= 10');
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'planner_trusted_code']);
  });

  it('a sql_assert over a table whose CHECK refutes its where is not a pass under the database\'s constraint_exclusion = on', async () => {
    const result = await assertNone('select id from orders where qty >= 10 union all select id from returns where qty >= 10');
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'planner_trusted_code']);
    expect(result.error?.message).toMatch(/qty_small/);
  });

  it('a sql_assert over an inheritance parent whose child\'s CHECK refutes its where is not a pass', async () => {
    const result = await assertNone('select id from parent where qty >= 10');
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'planner_trusted_code']);
    expect(result.error?.message).toMatch(/child/);
  });

  it('a sql_assert over a partitioned table whose partition\'s CHECK refutes its where is not a pass', async () => {
    const result = await assertNone('select id from parted where qty >= 10');
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'planner_trusted_code']);
  });

  it.each([
    ['the partitioned table', 'select id from keyed where x >= 10'],
    ['a partition named alone (its partition constraint is its parent\'s key)', 'select id from keyed_low where x >= 10'],
  ])('a read of a table partitioned by a user function\'s value is refused: %s', async (_name, query) => {
    const result = await assertNone(query);
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'planner_trusted_code']);
    expect(result.error?.message).toMatch(/partition key/);
    expect(result.error?.message).toMatch(/k\(integer\)/);
  });

  it('a CHECK naming an operator of the owner\'s, even over a built-in function, is refused', async () => {
    const result = await assertNone('select id from op_parent where qty >= 10');
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'planner_trusted_code']);
    expect(result.error?.message).toMatch(/operator .*<<</);
  });

  it('control: a NOT VALID CHECK calling the redefined function is not trusted by the planner, and the read fails on its rows', async () => {
    const result = await assertNone('select id from nv_parent where qty >= 10');
    expect([result.status, result.error], result.summary).toEqual(['fail', null]);
  });

  it('control: a CHECK of built-ins only is read, and the read fails on its rows', async () => {
    const result = await assertNone('select id from b_parent where qty >= 10');
    expect([result.status, result.error], result.summary).toEqual(['fail', null]);
  });

  it('control: a partial index of built-ins only is read, and the read fails on its rows', async () => {
    const result = await assertNone('select id from b_users where email is null');
    expect([result.status, result.error], result.summary).toEqual(['fail', null]);
  });

  it('control: the database\'s constraint_exclusion = on does not reach parity\'s reads (pinned to partition)', async () => {
    const source = (await import('../support/databases.js')).registryFor(db);
    try {
      const app = await source.get('app');
      const rows = await app.readOnly((session) => session.query({ text: "select pg_catalog.current_setting('constraint_exclusion') as ce", params: [] }), { statementTimeoutMs: 10_000 });
      expect(rows).toEqual([{ ce: 'partition' }]);
    } finally {
      await source.closeAll();
    }
  });
});
