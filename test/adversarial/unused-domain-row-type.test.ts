/**
 * From a hostile review; failed on the old code (both engines where both run): a column typed by the listed table's row type
 * carries its columns (`snapshots.row users` is already a use), but a column typed by a *domain*
 * over that row type (`create domain user_row as users`, Postgres 11+) depends on the domain, and
 * the domain's own dependency on the row type is a pg_type row, which `unused` skips. `unused` on
 * `users.full_name` passes while `archive.u user_row` holds every row's full_name and the
 * application reads `(u).full_name`; `DROP COLUMN full_name` succeeds and silently removes that
 * field from every stored value (a later `(u).full_name` errors: "column not found in data type").
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { runUnused, withDatabaseAndStore } from '../kinds/unused/support.js';
import { windowSuite } from '../kinds/unused/window-suite.js';

const catalogOnly = (target: string) => `checks:\n  - id: domain-row-type\n    kind: unused\n    source: app\n    evidence: catalog\n    ${target}\n    ignore: { roles: [postgres] }\n`;

describe.each(engines)('unused: values of a domain over the row type on %s (catalog evidence)', (engine) => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore(engine, 'create table users (id int primary key, full_name text, email text); create table notes (id int, body text); create domain user_row as users', (opened) => ({ db, store } = opened));

  it.each([
    ['a column typed by the domain', 'create table archive (id int, u user_row)', 'drop table archive'],
    ['a column typed by an array of the domain', 'create table archive (id int, us user_row[])', 'drop table archive'],
    ['a column typed by a domain over the domain', 'create domain checked_user as user_row check ((value).id > 0); create table archive (id int, u checked_user)', 'drop table archive; drop domain checked_user'],
  ])('does not pass with %s', async (_, create, drop) => {
    await db.exec(create);
    try {
      const result = await runUnused(db, catalogOnly('columns: [public.users.full_name]'), store);
      expect(['fail', 'error'], `parity said ${result.status}: ${result.summary}`).toContain(result.status);
    } finally {
      await db.exec(drop);
    }
  });

  it('control: passes beside a column typed by a domain over another table\'s row type', async () => {
    await db.exec('create domain note_row as notes; create table archive (id int, n note_row)');
    try {
      const result = await runUnused(db, catalogOnly('columns: [public.users.full_name]'), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await db.exec('drop table archive; drop domain note_row');
    }
  });
});

if (engines.includes('postgres')) {
  windowSuite('unused: values of a domain over the row type, read all window (full evidence)', {}, (s) => [
    { name: 'the application reads the field of archived rows', expected: 'used',
      setup: `create table ${s}.users (id int primary key, full_name text, email text); insert into ${s}.users values (1, 'Ada', 'a@example.com');
        create domain ${s}.user_row as ${s}.users; create table ${s}.archive (id int, u ${s}.user_row);
        insert into ${s}.archive select id, u::${s}.user_row from ${s}.users u`,
      target: `columns: [${s}.users.full_name]`, window: [`select (u).full_name from ${s}.archive where id = 1`] },
    { name: 'control: the application reads another field', expected: 'pass',
      setup: `create table ${s}.users (id int primary key, full_name text, email text); create table ${s}.notes (id int, body text);
        create domain ${s}.note_row as ${s}.notes; create table ${s}.archive (id int, n ${s}.note_row)`,
      target: `columns: [${s}.users.full_name]`, window: [`select (n).body from ${s}.archive where id = 1`] },
  ]);
}

describe.each(engines)('unused: more values typed through the row type on %s (catalog evidence)', (engine) => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore(engine, 'create table users (id int primary key, full_name text); create domain user_row as users; create domain user_rows as users[]', (opened) => ({ db, store } = opened));

  it.each([
    ['a column typed by a domain over the row type\'s array', 'create table archive (id int, us user_rows)', 'drop table archive'],
    ['a composite type over the domain, typing a column', 'create type wrap as (u user_row); create table archive (id int, w wrap)', 'drop table archive; drop type wrap'],
    ['a SQL function taking the domain', 'create function name_of(u user_row) returns text language sql as $$ select (u).full_name $$', 'drop function name_of'],
  ])('does not pass with %s', async (_, create, drop) => {
    await db.exec(create);
    try {
      const result = await runUnused(db, catalogOnly('columns: [public.users.full_name]'), store);
      expect(result.status, result.summary).toBe('fail');
    } finally {
      await db.exec(drop);
    }
  });
});
