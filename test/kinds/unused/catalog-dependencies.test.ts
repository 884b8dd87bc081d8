import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, createTestStore, engines, type TestDatabase } from '../../support/databases.js';
import type { Store } from '../../../src/store/store.js';
import { runUnused, unusedYaml } from './support.js';

const fullName = unusedYaml('full-name-unused', 'columns: [public.users.full_name]\nignore: { roles: [postgres] }');
const legacy = unusedYaml('legacy-unused', 'tables: [public.users_legacy]\nignore: { roles: [postgres] }');

describe.each(engines)('unused: catalog dependencies on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let closeStore: () => Promise<void>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    ({ store, close: closeStore } = await createTestStore(engine));
    await db.exec(`
      create table users (id int primary key, full_name text, email text);
      create table users_legacy (id int primary key, note text);
      create index on users_legacy (note);
      create view emails as select id, email from users;
      insert into users values (1, 'Ada Lovelace', 'ada@example.com');`);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await closeStore?.();
  });

  it('with evidence: catalog (explicitly asked for) passes on an empty catalog, saying what it did not read, and fails naming a view', async () => {
    const yaml = `checks:\n  - id: catalog-only\n    kind: unused\n    source: app\n    evidence: catalog\n    columns: [public.users.full_name]\n    tables: [public.users_legacy]\n    ignore: { roles: [postgres] }\n`;
    const quiet = await runUnused(db, yaml, store);
    expect(quiet.status, quiet.summary).toBe('pass');
    expect(quiet.summary).toContain('NOT read: pg_stat_statements and pg_stat_user_tables');
    expect(quiet.observations).toMatchObject({ evidence: 'catalog', dependencies: 0 });
    await db.exec('create view user_directory as select id, full_name from users');
    try {
      const used = await runUnused(db, yaml, store);
      expect(used.status).toBe('fail');
      expect(used.summary).toBe('still used: view user_directory depends on public.users.full_name');
    } finally {
      await db.exec('drop view user_directory');
    }
  });

  it('cannot verify (never passes) without pg_stat_statements, when the catalog shows nothing', async () => {
    const result = await runUnused(db, fullName, store);
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('statement_stats_unavailable');
    expect(result.summary).toContain('pg_stat_statements is not installed');
    const table = await runUnused(db, legacy, store);
    expect(table.status).toBe('error');
  });

  it.each([
    ['view', 'create view user_export as select id, full_name from users', 'drop view user_export', /view user_export depends on public\.users\.full_name/],
    ['select-star view', 'create view everything as select * from users', 'drop view everything', /view everything depends/],
    ['materialized view', 'create materialized view names as select full_name from users', 'drop materialized view names', /materialized view names depends/],
    ['SQL function', 'create function name_of(i int) returns text language sql as $$ select full_name from users where id = i $$', 'drop function name_of', /function name_of\(integer\) \(SQL body\)/],
    ['SQL-standard function body', 'create function name_of2(i int) returns text language sql begin atomic select full_name from users where id = i; end', 'drop function name_of2', /function name_of2\(integer\)/],
    ['PL/pgSQL trigger function', `create function upper_name() returns trigger language plpgsql as $$ begin new.full_name := upper(new.full_name); return new; end $$;
      create trigger upper_name before insert on users for each row execute function upper_name()`, 'drop function upper_name cascade', /upper_name\(\) \(plpgsql body.*called by trigger upper_name on users\)/],
    ['whole-row trigger function', `create table audit (id int, full_name text, email text);
      create function audit_user() returns trigger language plpgsql as $$ begin insert into audit values (NEW.*); return new; end $$;
      create trigger audit_user after update on users for each row execute function audit_user()`, 'drop function audit_user cascade; drop table audit', /audit_user\(\) \(plpgsql body.*called by trigger audit_user on users\)/],
    ['trigger on the column', `create function noop() returns trigger language plpgsql as $$ begin return new; end $$;
      create trigger on_name before update of full_name on users for each row execute function noop()`, 'drop function noop cascade', /trigger on_name on table users depends/],
    ['rule', 'create rule keep_name as on update to users where new.full_name is null do instead nothing', 'drop rule keep_name on users', /rule keep_name on table users depends/],
    ['policy', "create policy named on users using (full_name <> '')", 'drop policy named on users', /policy named on table users depends/],
    ['generated column', 'alter table users add column name_upper text generated always as (upper(full_name)) stored', 'alter table users drop column name_upper', /generated column or default .*name_upper/],
    ['index', 'create index users_name_idx on users (email, full_name)', 'drop index users_name_idx', /index users_name_idx depends/],
    ['check constraint', "alter table users add constraint name_set check (full_name <> '')", 'alter table users drop constraint name_set', /constraint name_set on table users depends/],
    ['foreign key', 'create unique index users_name_key on users (full_name); create table notes (author text references users (full_name))', 'drop table notes; drop index users_name_key', /foreign key constraint notes_author_fkey on table notes depends/],
    ['extended statistics', 'create statistics name_stats on full_name, email from users', 'drop statistics name_stats', /statistics .*name_stats depends/],
  ])('fails naming a %s that depends on the column', async (_, create, drop, expected) => {
    await db.exec(create);
    try {
      const result = await runUnused(db, fullName, store);
      expect(result.status, JSON.stringify(result.error)).toBe('fail');
      expect(result.summary).toMatch(expected);
      expect(result.summary).not.toMatch(/emails/);
    } finally {
      await db.exec(drop);
    }
  });

  it('does not count a trigger on the table whose function only touches other fields of NEW', async () => {
    await db.exec(`create function touch() returns trigger language plpgsql as $$ begin new.email := lower(new.email); return new; end $$;
      create trigger touch before update on users for each row execute function touch()`);
    try {
      const result = await runUnused(db, fullName, store);
      expect(result.status).toBe('error');
      expect(result.summary).not.toMatch(/touch/);
    } finally {
      await db.exec('drop function touch cascade');
    }
  });

  it('fails naming a view or a foreign key of another table on a listed table, not the table\'s own index', async () => {
    await db.exec('create view legacy_notes as select note from users_legacy; create table refs (legacy_id int references users_legacy (id))');
    try {
      const result = await runUnused(db, legacy, store);
      expect(result.status).toBe('fail');
      expect(result.summary).toMatch(/view legacy_notes depends on public\.users_legacy/);
      expect(result.summary).toMatch(/foreign key constraint refs_legacy_id_fkey on table refs/);
      expect(result.summary).not.toMatch(/users_legacy_note_idx|users_legacy_pkey/);
    } finally {
      await db.exec('drop view legacy_notes; drop table refs');
    }
  });

  it('finds a view over a partition of a partitioned table', async () => {
    await db.exec(`create table events (id int, at date, full_name text) partition by range (at);
      create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01');
      create view recent_names as select full_name from events_2026`);
    try {
      const result = await runUnused(db, unusedYaml('events-name', 'columns: [events.full_name]\nignore: { roles: [postgres] }'), store);
      expect(result.status).toBe('fail');
      expect(result.summary).toMatch(/view recent_names depends on public\.events\.full_name/);
    } finally {
      await db.exec('drop table events cascade');
    }
  });

  it('cannot verify a column or table that does not exist (a typo is never "unused")', async () => {
    const column = await runUnused(db, unusedYaml('typo', 'columns: [public.users.ful_name]'), store);
    expect(column.status).toBe('error');
    expect(column.error?.code).toBe('missing_column');
    const table = await runUnused(db, unusedYaml('typo2', 'tables: [public.user_legacy]'), store);
    expect(table.status).toBe('error');
    expect(table.error?.code).toBe('missing_relation');
  });
});
