/**
 * An extension function that runs SQL it builds from its text arguments. The implicit-code guard
 * (sources/implicit-code.ts mayRun) lets a view call a non-volatile function of an extension a
 * superuser owns, and the deny list names the built-ins and tablefunc functions that run SQL given
 * as text (query_to_xml, ts_stat, crosstab, connectby). xml2's `xpath_table(key, doc, relation,
 * xpaths, criteria)` is STABLE, and pastes `relation` and `criteria` into a SELECT it runs through
 * SPI: a view handing it `public.mark(...)` as criteria ran a user function that writes through
 * dblink inside every read of the view, and operator SQL could call it the same way.
 * Sound outcome: not a pass, and nothing written.
 * Postgres only: PGlite has no xml2.
 */
import { afterEach, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';
import type { Store } from '../../src/store/store.js';
import { runUnused, withDatabaseAndStore } from '../kinds/unused/support.js';

const MARK = `create table hits (what text); create extension dblink;
  create function public.mark(what text) returns boolean language plpgsql volatile as $f$
    begin perform public.dblink_exec('dbname=' || current_database() || ' user=postgres', format('insert into hits values (%L)', what)); return true; end $f$;
  create table users (id int primary key, email text, i int);
  insert into users values (1, 'a@x', 5), (2, 'b@x', 6);`;

const traces = async (db: TestDatabase) => (await db.exec('select what from hits')).map((r) => r.what);

describeOnPostgres('an extension function that runs SQL it builds from its text arguments, in a view, on postgres', () => {
  let db: TestDatabase | undefined;
  afterEach(async () => { await db?.close(); db = undefined; });

  it.each([
    ['null_check of the view', '{ id: c, kind: null_check, source: app, table: v_users, columns: [email] }'],
    ['sql_assert reading the view', '{ id: c, kind: sql_assert, source: app, query: "select id from v_users where email is null" }'],
    ['row_count of the view against the table', '{ id: c, kind: row_count, old: { source: app, table: v_users }, new: { source: app, table: users, where: "id > 0" } }'],
  ])('xml2 xpath_table (STABLE, a superuser-owned extension member) with a criteria calling a writing function: %s writes nothing', async (_name, check) => {
    db = await createTestDatabase('postgres');
    // A superuser installed xml2 (its members are trusted as the server's installation); the
    // database owner's view hands xpath_table a criteria, which it pastes into SQL it runs via SPI.
    await db.exec(`${MARK} create extension xml2;
      create table docs (id int, doc text); insert into docs values (1, '<a>x</a>');
      create view public.v_users as select u.* from users u
        where exists (select from public.xpath_table('id', 'doc', 'public.docs', '/a', 'public.mark(''xpath_table'')') as t(id int, a text));`);
    await db.exec('delete from hits');
    const result = await runCheck(db, `checks:\n  - ${check}\n`);
    expect({ passed: result.status === 'pass', traces: await traces(db) }).toEqual({ passed: false, traces: [] });
  });
});


describeOnPostgres('an extension function that runs SQL it builds from its text arguments, called by operator SQL, on postgres', () => {
  let db: TestDatabase | undefined;
  afterEach(async () => { await db?.close(); db = undefined; });

  it.each([
    ['sql_assert calling it in its query', '{ id: c, kind: sql_assert, source: app, query: "select 1 from public.xpath_table(\'id\', \'doc\', \'public.docs\', \'/a\', \'public.mark(\'\'q\'\')\') as t(id int, a text) where false" }'],
    ['null_check whose where calls it', '{ id: c, kind: null_check, source: app, table: users, columns: [email], where: "exists (select from public.xpath_table(\'id\', \'doc\', \'public.docs\', \'/a\', \'public.mark(\'\'w\'\')\') as t(id int, a text))" }'],
  ])('xml2 xpath_table: %s writes nothing and does not pass', async (_name, check) => {
    db = await createTestDatabase('postgres');
    await db.exec(`${MARK} create extension xml2; create table docs (id int, doc text); insert into docs values (1, '<a>x</a>');`);
    // Refused at load is sound too: the check file names the call.
    const status = await runCheck(db, `checks:\n  - ${check}\n`).then((result) => result.status, (error: Error) => error.message);
    expect({ passed: status === 'pass', traces: await traces(db) }).toEqual({ passed: false, traces: [] });
    expect(status).toMatch(/xpath_table \(executes a SQL string the guard cannot inspect\)/);
  });
});

/**
 * The same function read by `unused`: xpath_table runs `SELECT <key>, <document> FROM <relation>
 * WHERE <criteria>` from its text arguments, where Postgres records no dependency. A view exporting
 * a column through it read the column while `unused` (catalog evidence) saw no use of it.
 */
describeOnPostgres('unused: a view reading a column through xml2 xpath_table, on postgres (catalog evidence)', () => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore('postgres', 'create extension xml2; create table users (id int primary key, full_name text, profile text, active bool)', (opened) => ({ db, store } = opened));
  const unusedCheck = (target: string) => `checks:\n  - id: xpath\n    kind: unused\n    source: app\n    evidence: catalog\n    ${target}\n    ignore: { roles: [postgres] }\n`;

  it.each([
    ['the document column', 'columns: [public.users.profile]', `create view export as select * from xpath_table('id', 'profile', 'public.users', '/a', 'true') as t(id int, a text)`],
    ['a column of the criteria', 'columns: [public.users.active]', `create view export as select * from xpath_table('id', 'profile', 'public.users', '/a', 'active') as t(id int, a text)`],
    ['the key column, with named-less arguments spelled as casts', 'columns: [public.users.full_name]', `create view export as select * from xpath_table('full_name'::text, 'profile'::text, 'public.users'::text, '/a'::text, 'true'::text) as t(k text, a text)`],
    ['the table, its relation argument built at run time', 'tables: [public.users]', `create view export as select * from xpath_table('id', 'profile', 'public.' || 'users', '/a', 'true') as t(id int, a text)`],
  ])('does not pass with %s read through it', async (_, target, create) => {
    await db.exec(create);
    try {
      const result = await runUnused(db, unusedCheck(target), store);
      expect(['fail', 'error'], `parity said ${result.status}: ${result.summary}`).toContain(result.status);
    } finally {
      await db.exec('drop view export');
    }
  });

  it('still passes for a column the view does not read through it', async () => {
    await db.exec(`create view export as select * from xpath_table('id', 'profile', 'public.users', '/a', 'true') as t(id int, a text)`);
    try {
      const result = await runUnused(db, unusedCheck('columns: [public.users.full_name]'), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await db.exec('drop view export');
    }
  });
});
