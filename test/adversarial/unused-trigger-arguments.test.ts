/**
 * From a hostile review; failed on the old code (both engines where both run): a trigger whose function is written in C reads or
 * writes the columns its arguments name — `tsvector_update_trigger(tsv, 'pg_catalog.simple',
 * full_name)` (built in), `tsvector_update_trigger_column`, contrib's `moddatetime(updated_old)`.
 * Postgres records no dependency of the trigger on those columns (only on the table and the
 * function), the function has no body to read, and no statement names the column: the
 * application's `insert into users (id, email) …` fires the trigger, which reads `full_name` on
 * every row. `unused` on `users.full_name` passes, and after `DROP COLUMN full_name` every insert
 * fails with `column "full_name" does not exist`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, createTestStore, engines, type TestDatabase } from '../support/databases.js';
import { runUnused, withDatabaseAndStore } from '../kinds/unused/support.js';
import { windowSuite } from '../kinds/unused/window-suite.js';

const catalogOnly = (target: string) => `checks:\n  - id: trigger-arguments\n    kind: unused\n    source: app\n    evidence: catalog\n    ${target}\n    ignore: { roles: [postgres] }\n`;

describe.each(engines)('unused: columns named by a C trigger function\'s arguments on %s (catalog evidence)', (engine) => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore(engine, 'create table users (id int primary key, full_name text, email text, lang regconfig, tsv tsvector)', (opened) => ({ db, store } = opened));

  it.each([
    ['tsvector_update_trigger over the column', `create trigger tsv before insert or update on users for each row execute function tsvector_update_trigger(tsv, 'pg_catalog.simple', full_name)`],
    ['tsvector_update_trigger over the column beside another', `create trigger tsv before insert or update on users for each row execute function tsvector_update_trigger(tsv, 'pg_catalog.simple', email, full_name)`],
    ['tsvector_update_trigger_column over the column', `create trigger tsv before insert or update on users for each row execute function tsvector_update_trigger_column(tsv, lang, full_name)`],
    ['tsvector_update_trigger writing the column', `create trigger tsv before insert or update on users for each row execute function tsvector_update_trigger(tsv, 'pg_catalog.simple', email)`, 'public.users.tsv'],
  ])('does not pass with a %s', async (_, create, column = 'public.users.full_name') => {
    await db.exec(create);
    try {
      const result = await runUnused(db, catalogOnly(`columns: [${column}]`), store);
      expect(['fail', 'error'], `parity said ${result.status}: ${result.summary}`).toContain(result.status);
    } finally {
      await db.exec('drop trigger tsv on users');
    }
  });

  it('control: passes when the trigger names other columns only', async () => {
    await db.exec(`create trigger tsv before insert or update on users for each row execute function tsvector_update_trigger(tsv, 'pg_catalog.simple', email)`);
    try {
      const result = await runUnused(db, catalogOnly('columns: [public.users.full_name]'), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await db.exec('drop trigger tsv on users');
    }
  });
});

if (engines.includes('postgres')) {
  windowSuite('unused: columns named by a C trigger function\'s arguments (full evidence)', {}, (s) => {
    const users = `create table ${s}.users (id int primary key, full_name text, email text, tsv tsvector, updated_old timestamptz)`;
    return [
      { name: 'the application inserts rows; tsvector_update_trigger reads the column for each', expected: 'used',
        setup: `${users}; create trigger tsv before insert or update on ${s}.users for each row execute function tsvector_update_trigger(tsv, 'pg_catalog.simple', full_name)`,
        target: `columns: [${s}.users.full_name]`, window: [`insert into ${s}.users (id, email) values (1, 'a@example.com')`, `update ${s}.users set email = 'b@example.com' where id = 1`] },
      { name: 'the application updates rows; moddatetime writes the column for each', expected: 'used',
        setup: `create extension if not exists moddatetime; ${users}; insert into ${s}.users (id, email) values (1, 'a@example.com');
          create trigger stamp before update on ${s}.users for each row execute function moddatetime(updated_old)`,
        target: `columns: [${s}.users.updated_old]`, window: [`update ${s}.users set email = 'b@example.com' where id = 1`] },
      { name: 'control: the trigger names other columns only', expected: 'pass',
        setup: `${users}; create trigger tsv before insert or update on ${s}.users for each row execute function tsvector_update_trigger(tsv, 'pg_catalog.simple', email)`,
        target: `columns: [${s}.users.full_name]`, window: [`insert into ${s}.users (id, email) values (1, 'a@example.com')`] },
    ];
  });
}

describe.each(engines)('unused: trigger arguments naming a listed table on %s (catalog evidence)', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let closeStore: () => Promise<void>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    ({ store, close: closeStore } = await createTestStore(engine));
    // A PL/pgSQL trigger function that writes into the table its first argument names, at run time:
    // its body names no table, and Postgres records no dependency on the argument.
    await db.exec(`create table users_legacy (id int, full_name text); create table orders (id int);
      create function copy_into() returns trigger language plpgsql as $$
        begin execute format('insert into %I (id) values ($1)', tg_argv[0]) using new.id; return new; end $$`);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await closeStore?.();
  });

  it.each([
    ['the table, on another table', 'tables: [public.users_legacy]', `create trigger cp after insert on orders for each row execute function copy_into('users_legacy')`],
    ['the table schema-qualified and quoted', 'tables: [public.users_legacy]', `create trigger cp after insert on orders for each row execute function copy_into('public."users_legacy"')`],
    ['the column, on its own table', 'columns: [public.users_legacy.full_name]', `create trigger cp after insert on users_legacy for each row execute function copy_into('orders', 'full_name')`],
  ])('does not pass with a PL trigger whose argument names %s', async (_, target, create) => {
    await db.exec(create);
    try {
      const result = await runUnused(db, catalogOnly(target), store);
      expect(result.status, result.summary).toBe('fail');
      expect(result.summary).toMatch(/trigger cp on .*copy_into/);
    } finally {
      await db.exec('drop trigger if exists cp on orders; drop trigger if exists cp on users_legacy');
    }
  });

  it('control: passes when the arguments name other tables only', async () => {
    await db.exec(`create trigger cp after insert on orders for each row execute function copy_into('orders_audit')`);
    try {
      const result = await runUnused(db, catalogOnly('tables: [public.users_legacy]'), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await db.exec('drop trigger cp on orders');
    }
  });
});
