/**
 * From a hostile review; failed on the old code (both engines where both run): a foreign table (postgres_fdw) or a dblink view
 * pointed back at this database reads the listed column through a connection of its own. Postgres
 * records no dependency of the foreign table on the table it names in its options, nor of the view
 * on the SQL text it hands dblink, so `evidence: catalog` passes; and the remote side's statements
 * are counted under the user mapping's role — often `postgres` or the migrator, which checks
 * ignore — so with full evidence the application reading `users_remote` all window passes too.
 * `DROP COLUMN full_name` then breaks every read of the foreign table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, createTestStore, engines, type TestDatabase } from '../support/databases.js';
import { runUnused, withDatabaseAndStore } from '../kinds/unused/support.js';
import { windowSuite } from '../kinds/unused/window-suite.js';

const catalogOnly = (target: string) => `checks:\n  - id: loopback\n    kind: unused\n    source: app\n    evidence: catalog\n    ${target}\n    ignore: { roles: [postgres] }\n`;

if (engines.includes('postgres')) {
  describe('unused: foreign tables and dblink views over this database (catalog evidence)', () => {
    let db: TestDatabase;
    let store: Store;
    let closeStore: () => Promise<void>;
    beforeAll(async () => {
      db = await createTestDatabase('postgres');
      ({ store, close: closeStore } = await createTestStore('postgres'));
      const [row] = await db.exec('select current_database() as name');
      await db.exec(`create extension postgres_fdw; create extension dblink;
        create table users (id int primary key, full_name text, email text);
        create server loopback foreign data wrapper postgres_fdw options (dbname '${String(row!['name'])}');
        create user mapping for public server loopback options (user 'postgres')`);
    }, 60_000);
    afterAll(async () => {
      await db?.close();
      await closeStore?.();
    });

    it.each([
      ['a foreign table over the listed table', `create foreign table users_remote (id int, full_name text) server loopback options (schema_name 'public', table_name 'users')`, 'drop foreign table users_remote'],
      ['a foreign table renaming the column (column_name option)', `create foreign table users_remote (id int, name text options (column_name 'full_name')) server loopback options (schema_name 'public', table_name 'users')`, 'drop foreign table users_remote'],
      ['a view over dblink reading the column', `create view export as select * from dblink('loopback', 'select id, full_name from public.users') as t(id int, name text)`, 'drop view export'],
    ])('does not pass with %s', async (_, create, drop) => {
      await db.exec(create);
      try {
        const result = await runUnused(db, catalogOnly('columns: [public.users.full_name]'), store);
        expect(['fail', 'error'], `parity said ${result.status}: ${result.summary}`).toContain(result.status);
      } finally {
        await db.exec(drop);
      }
    });

    it('control: passes beside a foreign table over other columns', async () => {
      await db.exec(`create foreign table users_remote (id int, email text) server loopback options (schema_name 'public', table_name 'users')`);
      try {
        const result = await runUnused(db, catalogOnly('columns: [public.users.full_name]'), store);
        expect(result.status, result.summary).toBe('pass');
      } finally {
        await db.exec('drop foreign table users_remote');
      }
    });
  });

  windowSuite('unused: a foreign table over this database, read all window (full evidence)', {}, (s) => [
    { name: 'the application reads the foreign table; the remote side runs as the ignored postgres', expected: 'used',
      setup: `create extension if not exists postgres_fdw;
        create table ${s}.users (id int primary key, full_name text, email text); insert into ${s}.users values (1, 'Ada', 'a@example.com');
        do $$ begin execute format('create server %I foreign data wrapper postgres_fdw options (host %L, port %L, dbname %L)', '${s}_loop', '127.0.0.1', current_setting('port'), 'app'); end $$;
        create user mapping for reporting_ro server ${s}_loop options (user 'postgres', password_required 'false');
        create foreign table ${s}.users_remote (id int, full_name text) server ${s}_loop options (schema_name '${s}', table_name 'users');
        grant select on ${s}.users_remote to reporting_ro`,
      target: `columns: [${s}.users.full_name]`, window: [`select full_name from ${s}.users_remote where id = 1`] },
  ]);
}

if (engines.includes('postgres')) {
  describe('unused: more SQL text handed to dblink (catalog evidence)', () => {
    let db: TestDatabase;
    let store: Store;
    withDatabaseAndStore('postgres', `create extension if not exists dblink; create table users (id int primary key, full_name text); create table notes (id int, body text)`, (opened) => ({ db, store } = opened));

    it.each([
      ['dblink_exec writing the column from a SQL-standard body', 'fail', `create function wipe() returns text begin atomic select dblink_exec('loopback', 'update public.users set full_name = null'); end`, 'drop function wipe'],
      ['a view whose dblink text is read from a setting', 'error', `create view export as select * from dblink('loopback', current_setting('app.export_query')) as t(id int)`, 'drop view export'],
      ['a view whose dblink text is concatenated', 'fail', `create view export as select * from dblink('loopback', 'select id, ' || 'full_name from users') as t(id int, n text)`, 'drop view export'],
    ])('does not pass with %s', async (_, expected, create, drop) => {
      await db.exec(create);
      try {
        const result = await runUnused(db, catalogOnly('columns: [public.users.full_name]'), store);
        expect(result.status, result.summary).toBe(expected);
      } finally {
        await db.exec(drop);
      }
    });

    it('control: passes beside a dblink view over another table', async () => {
      await db.exec(`create view export as select * from dblink('loopback', 'select id, body from notes') as t(id int, body text)`);
      try {
        const result = await runUnused(db, catalogOnly('columns: [public.users.full_name]'), store);
        expect(result.status, result.summary).toBe('pass');
      } finally {
        await db.exec('drop view export');
      }
    });
  });
}
