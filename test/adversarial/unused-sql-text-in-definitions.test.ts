/**
 * (Failed on the old code.) A view, default, policy or SQL-standard body that
 * hands SQL to a built-in as text (`query_to_xml('select id, full_name from users', …)`, `ts_stat`)
 * or a relation as a regclass (`table_to_xml('users', …)`, which reads every column) reads the
 * column where Postgres records no column dependency (a string, or a dependency on the table
 * alone). Routines doing this are judged (their bodies are read; below `track = all` they are the
 * gap nested_statements_untracked) but these other definitions are not: `evidence: catalog`
 * passes, and with full evidence at the default `track = top` the application reading the view all
 * window passes too — its statement names only the view, and the SQL the view runs is nested, so
 * pg_stat_statements never counts it. After `DROP COLUMN full_name` the view errors (or, through
 * table_to_xml, silently exports one column fewer).
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { runUnused, withDatabaseAndStore } from '../kinds/unused/support.js';
import { windowSuite } from '../kinds/unused/window-suite.js';

const catalogOnly = (target: string) => `checks:\n  - id: sql-text\n    kind: unused\n    source: app\n    evidence: catalog\n    ${target}\n    ignore: { roles: [postgres] }\n`;

describe.each(engines)('unused: SQL handed as text or regclass inside definitions on %s (catalog evidence)', (engine) => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore(engine, 'create table users (id int primary key, full_name text, email text, tsv tsvector); create table users_legacy (id int primary key, name text)', (opened) => ({ db, store } = opened));

  const column = 'columns: [public.users.full_name]';
  it.each([
    ['a view exporting the column through query_to_xml', column, `create view export as select query_to_xml('select id, full_name from public.users', true, false, '') as x`, 'drop view export'],
    ['a view exporting the listed table through query_to_xml', 'tables: [public.users_legacy]', `create view export as select query_to_xml('select * from public.users_legacy', true, false, '') as x`, 'drop view export'],
    ['a view exporting the whole table through table_to_xml (a regclass)', column, `create view export as select table_to_xml('public.users', true, false, '') as x`, 'drop view export'],
    ['a view over ts_stat of the column', 'columns: [public.users.tsv]', `create view words as select * from ts_stat('select tsv from public.users')`, 'drop view words'],
    ['a default of another table running query_to_xml', column, `create table exports (id int, x xml default query_to_xml('select full_name from public.users', true, false, ''))`, 'drop table exports'],
    ['a policy of another table running query_to_xml', column, `create table other (id int); create policy p on other using (query_to_xml('select full_name from public.users', true, false, '')::text <> '')`, 'drop table other'],
    ['a SQL-standard function body running query_to_xml', column, `create function export_names() returns xml begin atomic select query_to_xml('select full_name from public.users', true, false, ''); end`, 'drop function export_names'],
  ])('does not pass with %s', async (_, target, create, drop) => {
    await db.exec(create);
    try {
      const result = await runUnused(db, catalogOnly(target), store);
      expect(['fail', 'error'], `parity said ${result.status}: ${result.summary}`).toContain(result.status);
    } finally {
      await db.exec(drop);
    }
  });

  // The class beyond the review's cases: other SQL-running built-ins and call forms, other definitions.
  it.each([
    ['a view over schema_to_xml of the table\'s schema', `create view export as select schema_to_xml('public', true, false, '') as x`, 'drop view export'],
    ['a view calling query_to_xml with named arguments', `create view export as select query_to_xml(query => 'select full_name from users', nulls => true, tableforest => false, targetns => '') as x`, 'drop view export'],
    ['a view running xpath over query_to_xml', `create view export as select xpath('//full_name', query_to_xml('select full_name from users', true, false, '')) as x`, 'drop view export'],
    ['a view whose query hands SQL to query_to_xml again', `create view export as select query_to_xml('select query_to_xml(''select full_name from users'', true, false, '''')', true, false, '') as x`, 'drop view export'],
    ['a check constraint running query_to_xml', `create table other (id int, check (query_to_xml('select full_name from public.users', true, false, '') is not null))`, 'drop table other'],
    ['a trigger condition running query_to_xml', `create table other (id int); create function tf() returns trigger language plpgsql as $$ begin return new; end $$;
      create trigger t before insert on other for each row when (query_to_xml('select full_name from public.users', true, false, '') is not null) execute function tf()`, 'drop table other; drop function tf'],
    ['a view handing SQL text to a PL/pgSQL function that EXECUTEs it', `create function run_sql(q text) returns setof record language plpgsql as $$ begin return query execute q; end $$;
      create view export as select * from run_sql('select id, full_name from users') as t(id int, n text)`, 'drop view export; drop function run_sql'],
    ['a view calling an alias of query_to_xml in another schema (compiled code)', `create function export_q(text, boolean, boolean, text) returns xml language internal strict as 'query_to_xml';
      create view export as select export_q('select full_name from users', true, false, '') as x`, 'drop view export; drop function export_q'],
    ['a SQL function with a string body running table_to_xml', `create function export2() returns xml language sql as $$ select table_to_xml('users', true, false, '') $$`, 'drop function export2'],
    ['a view running query_to_xml over a query stored in a table (not a constant)', `create table q (sql text); create view export as select query_to_xml(q.sql, true, false, '') as x from q`, 'drop view export; drop table q'],
    ['a view running cursor_to_xml (the cursor\'s query is elsewhere)', `create view export as select cursor_to_xml('c'::refcursor, 10, true, false, '') as x`, 'drop view export'],
  ])('does not pass with %s', async (_, create, drop) => {
    await db.exec(create);
    try {
      const result = await runUnused(db, catalogOnly(column), store);
      expect(['fail', 'error'], `parity said ${result.status}: ${result.summary}`).toContain(result.status);
    } finally {
      await db.exec(drop);
    }
  });

  it('says it could not verify when the query is not a constant', async () => {
    await db.exec(`create table q (sql text); create view export as select query_to_xml(q.sql, true, false, '') as x from q`);
    try {
      const result = await runUnused(db, catalogOnly(column), store);
      expect(result.status, result.summary).toBe('error');
      expect(result.error?.code).toBe('sql_text_unjudged');
    } finally {
      await db.exec('drop view export; drop table q');
    }
  });

  it('control: passes beside views exporting another table as text and as a regclass', async () => {
    await db.exec(`create table notes (id int, body text); create view export as select query_to_xml('select body from public.notes', true, false, '') as x, table_to_xml('notes', true, false, '') as y`);
    try {
      const result = await runUnused(db, catalogOnly(column), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await db.exec('drop view export; drop table notes');
    }
  });

  it('control: a listed table\'s own check reading it as text goes with it', async () => {
    await db.exec(`create table legacy_self (id int, name text, check (query_to_xml('select name from public.legacy_self', true, false, '') is not null))`);
    try {
      const result = await runUnused(db, catalogOnly('tables: [public.legacy_self]'), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await db.exec('drop table legacy_self');
    }
  });

  it('but a default of another column reading a listed column of its own table is a use', async () => {
    await db.exec(`create table people (id int, full_name text, x xml default query_to_xml('select full_name from public.people', true, false, ''))`);
    try {
      const result = await runUnused(db, catalogOnly('columns: [public.people.full_name]'), store);
      expect(result.status, result.summary).toBe('fail');
    } finally {
      await db.exec('drop table people');
    }
  });

  it('control: passes beside a view that exports another table', async () => {
    await db.exec(`create table notes (id int, body text); create view export as select query_to_xml('select body from public.notes', true, false, '') as x`);
    try {
      const result = await runUnused(db, catalogOnly(column), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await db.exec('drop view export; drop table notes');
    }
  });
});

if (engines.includes('postgres')) {
  windowSuite('unused: views that run SQL given as text, read all window (full evidence, track = top)', {}, (s) => {
    const users = `create table ${s}.users (id int primary key, full_name text, email text); insert into ${s}.users values (1, 'Ada', 'a@example.com')`;
    return [
      { name: 'a reporting view over query_to_xml of the column', expected: 'used',
        setup: `${users}; create view ${s}.export as select query_to_xml('select id, full_name from ${s}.users', true, false, '') as x`,
        target: `columns: [${s}.users.full_name]`, window: [`select x from ${s}.export`, `select x from ${s}.export`] },
      { name: 'a reporting view over table_to_xml of the table', expected: 'used',
        setup: `${users}; create view ${s}.export as select table_to_xml('${s}.users', true, false, '') as x`,
        target: `columns: [${s}.users.full_name]`, window: [`select x from ${s}.export`] },
      { name: 'a listed table read by a view through query_to_xml', expected: 'used',
        setup: `create table ${s}.users_legacy (id int, name text); insert into ${s}.users_legacy values (1, 'Ada');
          create view ${s}.export as select query_to_xml('select * from ${s}.users_legacy', true, false, '') as x`,
        target: `tables: [${s}.users_legacy]`, window: [`select x from ${s}.export`] },
      { name: 'control: a plain view over other columns', expected: 'pass',
        setup: `${users}; create view ${s}.emails as select id, email from ${s}.users`,
        target: `columns: [${s}.users.full_name]`, window: [`select email from ${s}.emails`] },
    ];
  });
}

if (engines.includes('postgres')) {
  // At track = all what query_to_xml runs is counted as a nested statement of the caller: a query
  // that is not a constant is then no gap, and what it read is judged from its own entry.
  windowSuite('unused: a view running a query stored in a table (full evidence, track = all)', { 'pg_stat_statements.track': 'all' }, (s) => {
    const setup = (stored: string) => `create table ${s}.users (id int primary key, full_name text, email text); insert into ${s}.users values (1, 'Ada', 'a@example.com');
      create table ${s}.notes (id int, body text); create table ${s}.q (sql text); insert into ${s}.q values ('${stored}');
      create view ${s}.export as select query_to_xml(q.sql, true, false, '') as x from ${s}.q`;
    return [
      { name: 'the stored query reads the column', expected: 'used', setup: setup(`select full_name from ${s}.users`),
        target: `columns: [${s}.users.full_name]`, window: [`select x from ${s}.export`] },
      { name: 'control: the stored query reads another table', expected: 'pass', setup: setup(`select body from ${s}.notes`),
        target: `columns: [${s}.users.full_name]`, window: [`select x from ${s}.export`] },
    ];
  });
}
