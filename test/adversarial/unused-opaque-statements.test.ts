/**
 * pg_stat_statements entries whose text cannot show what they read. An entry keeps the text of its
 * first call while its queryid is computed from oids and column numbers, so after `ALTER TABLE …
 * RENAME` (table, column, schema) new calls on the renamed shape count on an entry whose text
 * spells the old names; and with the default `pg_stat_statements.track = top`, SQL run by a
 * function's EXECUTE, a DO block or `query_to_xml($1, …)` is counted only as the call, whose
 * normalised text hides the query. `unused` passed on all of them while a reader read the column
 * all window long (throwaway Postgres 15 clusters with pg_stat_statements; fails on the old code).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ageSnapshots, runUnused } from '../kinds/unused/support.js';
import { useUnusedCluster } from '../kinds/unused/window-suite.js';

const SETUP = `
  create extension pg_stat_statements;
  create role parity_ro login; grant pg_read_all_stats to parity_ro;
  create role reporting_ro login;
  alter default privileges grant select on tables to parity_ro, reporting_ro;
  alter default privileges grant execute on functions to reporting_ro;`;

const check = (id: string, target: string) => `checks:
  - id: ${id}
    kind: unused
    source: app
    ${target}
    window: 24h
    ignore: { roles: [parity_ro, postgres] }
`;

/** One scenario: DDL before the first reads, reads recorded before the baseline, DDL after them, the check, and the reads in the window. */
interface Case {
  name: string;
  setup: string;
  before?: string[];
  between?: string;
  target: string;
  window: string[];
  /** Undoes what setup did outside the case's schemas (role settings). */
  cleanup?: string;
  expected: 'pass' | 'fail' | string;
}

function suite(title: string, settings: Record<string, string>, cases: (u: string) => Case[]) {
  describe(title, () => {
    const { urlAs, as, store: storeOf } = useUnusedCluster(settings, SETUP);

    const u = `t${randomUUID().slice(0, 6)}`;
    it.each(cases(u).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const id = `c${randomUUID().slice(0, 8)}`;
      const store = storeOf();
      const run = () => runUnused({ url: urlAs('parity_ro'), dataDir: `memory:${randomUUID()}` }, check(id, c.target), store);
      await as('postgres', [`create schema if not exists ${u}_s`, c.setup,
        `do $$ declare n text; begin for n in select nspname from pg_namespace where nspname like '${u}%' loop execute format('grant usage on schema %I to public', n); end loop; end $$`]);
      try {
        await as('reporting_ro', c.before ?? []);
        if (c.between) await as('postgres', [c.between]);
        await run();
        await ageSnapshots(store, id, 25);
        await as('reporting_ro', c.window);
        const result = await run();
        if (c.expected === 'pass' || c.expected === 'fail') expect(result.status, result.summary).toBe(c.expected);
        else {
          expect(result.status, result.summary).toBe('error');
          expect(result.error?.code, result.summary).toBe(c.expected);
        }
      } finally {
        // Each case's objects go, so routines of one case are not another's gap; and so do its
        // statements: a rename recorded in one case touches names later cases reuse.
        if (c.cleanup) await as('postgres', [c.cleanup]);
        await as('postgres', [`do $$ declare n text; begin for n in select nspname from pg_namespace where nspname like '${u}%' loop execute format('drop schema %I cascade', n); end loop; end $$`,
          'select pg_stat_statements_reset()']);
      }
    }, 60_000);
  });
}

suite('unused when pg_stat_statements keeps a text from before a rename (track = top)', {}, (u) => {
  const s = `${u}_s`;
  return [
    { name: 'a renamed table read by its new name', setup: `create table ${s}.accounts (id int, full_name text)`,
      before: [`select full_name from ${s}.accounts where id = 1`], between: `alter table ${s}.accounts rename to old_accounts`,
      target: `columns: [${s}.old_accounts.full_name]`, window: [`select full_name from ${s}.old_accounts where id = 2`], expected: 'statement_text_stale' },
    { name: 'a renamed table listed whole', setup: `create table ${s}.accounts (id int, full_name text)`,
      before: [`select id from ${s}.accounts where id = 1`], between: `alter table ${s}.accounts rename to old_accounts`,
      target: `tables: [${s}.old_accounts]`, window: [`select id from ${s}.old_accounts where id = 2`], expected: 'statement_text_stale' },
    { name: 'a renamed column read by its new name', setup: `create table ${s}.people (id int, name text)`,
      before: [`select name from ${s}.people where id = 1`], between: `alter table ${s}.people rename column name to legacy_name`,
      target: `columns: [${s}.people.legacy_name]`, window: [`select legacy_name from ${s}.people where id = 2`], expected: 'statement_text_stale' },
    { name: 'a renamed column read unqualified in a join', setup: `create table ${s}.people (id int, name text); create table ${s}.notes (id int, body text)`,
      before: [`set search_path = ${s}`, `select p.name, n.body from people p join notes n using (id)`], between: `alter table ${s}.people rename column name to legacy_name`,
      target: `columns: [${s}.people.legacy_name]`, window: [`set search_path = ${s}`, `select p.legacy_name, n.body from people p join notes n using (id)`], expected: 'statement_text_stale' },
    { name: 'a renamed column written by its new name (update)', setup: `create table ${s}.people (id int, name text); grant update on ${s}.people to reporting_ro`,
      before: [`update ${s}.people set name = 'x' where id = 1`], between: `alter table ${s}.people rename column name to legacy_name`,
      target: `columns: [${s}.people.legacy_name]`, window: [`update ${s}.people set legacy_name = 'y' where id = 2`], expected: 'statement_text_stale' },
    { name: 'a renamed column written by its new name (insert, on conflict)', setup: `create table ${s}.people (id int primary key, name text); grant insert, update on ${s}.people to reporting_ro`,
      before: [`insert into ${s}.people (id, name) values (1, 'x') on conflict (id) do update set name = excluded.name`], between: `alter table ${s}.people rename column name to legacy_name`,
      target: `columns: [${s}.people.legacy_name]`, window: [`insert into ${s}.people (id, legacy_name) values (2, 'y') on conflict (id) do update set legacy_name = excluded.legacy_name`], expected: 'statement_text_stale' },
    { name: 'a renamed schema', setup: `create schema ${u}_s2; create table ${u}_s2.users (id int, full_name text)`,
      before: [`select full_name from ${u}_s2.users where id = 1`], between: `alter schema ${u}_s2 rename to ${u}_s3; alter schema ${u}_s3 rename to ${u}_s2x`,
      target: `columns: [${u}_s2x.users.full_name]`, window: [`select full_name from ${u}_s2x.users where id = 2`], expected: 'statement_text_stale' },
    { name: 'a renamed column read through a SQL-level PREPARE', setup: `create table ${s}.people (id int, name text)`,
      before: [`prepare p as select name from ${s}.people where id = $1`, 'execute p(1)'], between: `alter table ${s}.people rename column name to legacy_name`,
      target: `columns: [${s}.people.legacy_name]`, window: [`prepare p as select legacy_name from ${s}.people where id = $1`, 'execute p(2)'], expected: 'statement_text_stale' },
    // Swaps: every name the old text spells still exists, now on another column, table or schema.
    { name: 'a swapped column (the old one renamed away, the new one renamed to its name)', setup: `create table ${s}.users (id int, full_name text, full_name_new text)`,
      before: [`select full_name from ${s}.users where id = 1`], between: `alter table ${s}.users rename column full_name to full_name_old; alter table ${s}.users rename column full_name_new to full_name`,
      target: `columns: [${s}.users.full_name_old]`, window: [`select full_name_old from ${s}.users where id = 2`], expected: 'statement_text_stale' },
    { name: 'a swapped column written (update)', setup: `create table ${s}.users (id int, full_name text, full_name_new text); grant update on ${s}.users to reporting_ro`,
      before: [`update ${s}.users set full_name = 'x' where id = 1`], between: `alter table ${s}.users rename column full_name to full_name_old; alter table ${s}.users rename column full_name_new to full_name`,
      target: `columns: [${s}.users.full_name_old]`, window: [`update ${s}.users set full_name_old = 'y' where id = 2`], expected: 'statement_text_stale' },
    { name: 'a swapped table', setup: `create table ${s}.users (id int, full_name text); create table ${s}.users_new (id int, full_name text)`,
      before: [`select full_name from ${s}.users where id = 1`], between: `alter table ${s}.users rename to users_old; alter table ${s}.users_new rename to users`,
      target: `tables: [${s}.users_old]`, window: [`select full_name from ${s}.users_old where id = 2`], expected: 'statement_text_stale' },
    { name: 'a swapped schema', setup: `create schema ${u}_live; create table ${u}_live.users (id int, full_name text); create schema ${u}_next; create table ${u}_next.users (id int, full_name text)`,
      before: [`select full_name from ${u}_live.users where id = 1`], between: `alter schema ${u}_live rename to ${u}_old; alter schema ${u}_next rename to ${u}_live`,
      target: `columns: [${u}_old.users.full_name]`, window: [`select full_name from ${u}_old.users where id = 2`], expected: 'statement_text_stale' },
    { name: 'tables swapped between schemas (SET SCHEMA)', setup: `create schema ${u}_arch; create schema ${u}_stage; create table ${s}.users (id int, full_name text); create table ${u}_stage.users (id int, full_name text)`,
      before: [`select full_name from ${s}.users where id = 1`], between: `alter table ${s}.users set schema ${u}_arch; alter table ${u}_stage.users set schema ${s}`,
      target: `columns: [${u}_arch.users.full_name]`, window: [`select full_name from ${u}_arch.users where id = 2`], expected: 'statement_text_stale' },
    { name: 'a swapped table renamed inside a DO block', setup: `create table ${s}.users (id int, full_name text); create table ${s}.users_new (id int, full_name text)`,
      before: [`select full_name from ${s}.users where id = 1`], between: `do $$ begin alter table ${s}.users rename to users_old; alter table ${s}.users_new rename to users; end $$`,
      target: `tables: [${s}.users_old]`, window: [`select full_name from ${s}.users_old where id = 2`], expected: 'statement_text_stale' },
    { name: 'a swapped column renamed by a session that stopped recording utility statements', setup: `create table ${s}.users (id int, full_name text, full_name_new text)`,
      before: [`select full_name from ${s}.users where id = 1`], between: `set pg_stat_statements.track_utility = off; alter table ${s}.users rename column full_name to full_name_old; alter table ${s}.users rename column full_name_new to full_name`,
      target: `columns: [${s}.users.full_name_old]`, window: [`select full_name_old from ${s}.users where id = 2`], expected: 'statement_text_stale' },
    { name: 'a swapped table renamed by a function (its statements are not recorded below track = all)', setup: `create table ${s}.users (id int, full_name text); create table ${s}.users_new (id int, full_name text)`,
      before: [`select full_name from ${s}.users where id = 1`], between: `create function ${s}.swap() returns void language plpgsql as $$ begin alter table ${s}.users rename to users_old; alter table ${s}.users_new rename to users; end $$; select ${s}.swap(); drop function ${s}.swap()`,
      target: `tables: [${s}.users_old]`, window: [`select full_name from ${s}.users_old where id = 2`], expected: 'statement_text_stale' },
    // Controls: the entry of a dropped table counts no new calls; aliases, CTEs and functions are not stale names.
    { name: 'control: a dropped table\'s old entry', setup: `create table ${s}.gone (id int, full_name text); create table ${s}.users (id int, full_name text)`,
      before: [`select full_name from ${s}.gone where id = 1`], between: `drop table ${s}.gone`,
      target: `columns: [${s}.users.full_name]`, window: [`select id from ${s}.users where id = 2`], expected: 'pass' },
    { name: 'control: aliases, CTEs and set-returning functions over the table', setup: `create table ${s}.users (id int primary key, full_name text, email text); grant insert on ${s}.users to reporting_ro`,
      target: `columns: [${s}.users.full_name]`,
      window: [`with x(k) as (select id from ${s}.users) select k as key, g.n, lower(u.email) as e, u.ctid from x join ${s}.users u on u.id = x.k, generate_series(1, 2) g(n) order by key, e`,
        `select j.key, j.value, c.total from ${s}.users u, jsonb_each(jsonb_build_object('a', u.email)) j, (select count(*) from ${s}.users) c(total)`,
        `insert into ${s}.users (id, email) values (1, 'a') on conflict do nothing`], expected: 'pass' },
    { name: 'control: renames of another table and of the listed table\'s index', setup: `create table ${s}.users (id int primary key, full_name text); create table ${s}.other (id int)`,
      before: [`select id from ${s}.users where id = 1`, `select id from ${s}.other`], between: `alter table ${s}.other rename to other2; alter index ${s}.users_pkey rename to users_key`,
      target: `columns: [${s}.users.full_name]`, window: [`select id from ${s}.users where id = 2`], expected: 'pass' },
    { name: 'control: utility statements on a table gone by now (their queryid is their text)', setup: `create table ${s}.users (id int, full_name text)`,
      target: `columns: [${s}.users.full_name]`, window: [`create temp table ${u}_staging (id int)`, `drop table ${u}_staging`], expected: 'pass' },
    { name: 'control: the renamed column read by its new name after the entry was reset', setup: `create table ${s}.people (id int, name text, email text)`,
      before: [`select email from ${s}.people where id = 1`], between: `alter table ${s}.people rename column name to legacy_name; select pg_stat_statements_reset(0, 0, queryid) from pg_stat_statements where query like '%people%'`,
      target: `columns: [${s}.people.legacy_name]`, window: [`select email from ${s}.people where id = 2`], expected: 'pass' },
  ];
});

suite('unused when SQL runs below the top level (track = top)', {}, (u) => {
  const s = `${u}_s`;
  const users = `create table ${s}.users (id int, full_name text)`;
  return [
    { name: 'a PL/pgSQL function that EXECUTEs a string it is given', setup: `${users}; create function ${s}.exec_count(q text) returns bigint language plpgsql as $$ declare n bigint; begin execute q into n; return n; end $$`,
      target: `columns: [${s}.users.full_name]`, window: [`select ${s}.exec_count('select count(full_name) from ${s}.users')`], expected: 'nested_statements_untracked' },
    { name: 'a SQL-standard body that hands a query to query_to_xml', setup: `${users}; create function ${s}.export(q text) returns xml begin atomic select query_to_xml(q, true, false, ''); end`,
      target: `columns: [${s}.users.full_name]`, window: [`select ${s}.export('select full_name from ${s}.users')`], expected: 'nested_statements_untracked' },
    { name: 'a DO block that EXECUTEs a name built from pieces', setup: users,
      target: `columns: [${s}.users.full_name]`, window: [`do $$ begin execute 'select full_name from ${s}.us' || 'ers'; end $$`], expected: 'nested_statements_untracked' },
    { name: 'query_to_xml at the top level', setup: users,
      target: `columns: [${s}.users.full_name]`, window: [`select query_to_xml('select full_name from ${s}.users', true, false, '')`], expected: 'nested_statements_untracked' },
    { name: 'table_to_xml at the top level', setup: users,
      target: `columns: [${s}.users.full_name]`, window: [`select table_to_xml('${s}.users'::regclass, true, false, '')`], expected: 'nested_statements_untracked' },
    // Controls: routines that run only what they spell out; a DO block without EXECUTE.
    { name: 'control: a PL/pgSQL function that runs only what it spells out', setup: `${users}; create table ${s}.notes (id int); create function ${s}.count_notes() returns bigint language plpgsql as $$ begin return (select count(id) from ${s}.notes); end $$`,
      target: `columns: [${s}.users.full_name]`, window: [`select ${s}.count_notes()`, `do $$ begin perform 1; end $$`], expected: 'pass' },
  ];
});

suite('unused with pg_stat_statements.track = all', { 'pg_stat_statements.track': 'all' }, (u) => {
  const s = `${u}_s`;
  const users = `create table ${s}.users (id int, full_name text)`;
  const exec = `create function ${s}.exec_count(q text) returns bigint language plpgsql as $$ declare n bigint; begin execute q into n; return n; end $$`;
  return [
    { name: 'a function EXECUTEs a read of the column: found', setup: `${users}; ${exec}`,
      target: `columns: [${s}.users.full_name]`, window: [`select ${s}.exec_count('select count(full_name) from ${s}.users')`], expected: 'fail' },
    { name: 'query_to_xml reads the column: found', setup: users,
      target: `columns: [${s}.users.full_name]`, window: [`select query_to_xml('select full_name from ${s}.users', true, false, '')`], expected: 'fail' },
    { name: 'a role set back to top while such a function exists', setup: `${users}; ${exec}; alter role reporting_ro set pg_stat_statements.track = top`,
      target: `columns: [${s}.users.full_name]`, window: [`select ${s}.exec_count('select count(full_name) from ${s}.users')`], cleanup: 'alter role reporting_ro reset pg_stat_statements.track', expected: 'nested_statements_untracked' },
    { name: 'control: the function reads another column', setup: `${users}; ${exec}`,
      target: `columns: [${s}.users.full_name]`, window: [`select ${s}.exec_count('select count(id) from ${s}.users')`], expected: 'pass' },
  ];
});
