/**
 * Swaps of names that pg_stat_statements never recorded, or no longer holds: the migrator turned
 * `pg_stat_statements.track_utility` off through set_config (its text is normalised to
 * `select set_config($1, $2, $3)`), or the rename's own entry was reset. The entry of a text
 * recorded before the swap goes on counting the renamed column, table or schema (its query id
 * hashes oids and column numbers) while its text names what now holds the old name, and `unused`
 * passed on the old shape while a reader read it all window (throwaway Postgres 15 clusters with
 * pg_stat_statements; fails on the old code). parity now recomputes the query id of each entry
 * called in the window from its text against today's catalog. The controls run an ordinary
 * application's statements — as postgres.js and node-postgres send them (types left to the
 * server), as psycopg 3 (ints by value), JDBC (varchar) and Npgsql (text) declare them, and as the
 * simple protocol sends literals — over the same swapped table: they reproduce and pass.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchCluster, type ScratchCluster } from '../support/scratch-cluster.js';
import { createTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/store.js';
import { ageSnapshots, runUnused } from '../kinds/unused/support.js';

const SETUP = `
  create extension pg_stat_statements;
  create role parity_ro login; grant pg_read_all_stats to parity_ro;
  create role reporting_ro login;
  alter default privileges grant select on tables to parity_ro, reporting_ro;`;

const check = (id: string, target: string) => `checks:
  - id: ${id}
    kind: unused
    source: app
    ${target}
    window: 24h
    ignore: { roles: [parity_ro, postgres] }
`;

/** A statement as some client sends it: a text (postgres.js, unnamed, no parameters) or a call on the client. */
type Step = string | ((sql: postgres.Sql) => Promise<unknown>);

interface Case { name: string; setup: string; before?: Step[]; between: string; target: string; window: Step[]; cleanup?: string; expected: 'pass' | 'fail' | string }

/** Turns recording of utility statements off the way no recorded text shows: a SELECT whose arguments are normalised away. */
const UNRECORDED = 'select set_config(\'pg_stat_statements.track_utility\', \'off\', false)';

describe('unused after a swap pg_stat_statements did not record', () => {
  let cluster: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  const urlAs = (role: string) => `postgres://${role}@127.0.0.1:${cluster.port}/app`;
  const as = async (role: string, steps: readonly Step[]) => {
    const sql = postgres(urlAs(role), { max: 1, onnotice: () => {} });
    try {
      for (const step of steps) await (typeof step === 'string' ? sql.unsafe(step) : step(sql));
    } finally {
      await sql.end();
    }
  };

  beforeAll(async () => {
    cluster = await createScratchCluster({ shared_preload_libraries: 'pg_stat_statements' });
    await cluster.exec('create database app');
    await as('postgres', [SETUP]);
    ({ store, close: closeStore } = await createTestStore('pglite'));
  }, 120_000);
  afterAll(async () => {
    await closeStore?.();
    await cluster?.destroy();
  });

  const u = `t${randomUUID().slice(0, 6)}`;
  const s = `${u}_s`;
  const users = `create table ${s}.users (id int primary key, big bigint, price numeric, ratio float8, flag boolean, born date, email text, full_name text, full_name_new text)`;
  const swapColumns = `${UNRECORDED}; alter table ${s}.users rename column full_name to full_name_old; alter table ${s}.users rename column full_name_new to full_name`;
  const cases: Case[] = [
    { name: 'a swapped column, recording turned off through set_config', setup: users,
      before: [`select full_name from ${s}.users where id = 1`], between: swapColumns,
      target: `columns: [${s}.users.full_name_old]`, window: [`select full_name_old from ${s}.users where id = 2`], expected: 'statement_text_stale' },
    { name: 'a swapped column read with parameters (postgres.js)', setup: users,
      before: [(sql) => sql.unsafe(`select full_name from ${s}.users where id = $1`, [1])], between: swapColumns,
      target: `columns: [${s}.users.full_name_old]`, window: [(sql) => sql.unsafe(`select full_name_old from ${s}.users where id = $1`, [2])], expected: 'statement_text_stale' },
    { name: 'a swapped column read with a declared varchar (JDBC)', setup: users,
      before: [(sql) => sql.unsafe(`select id from ${s}.users where full_name = $1`, [sql.typed('a' as never, 1043)])], between: swapColumns,
      target: `columns: [${s}.users.full_name_old]`, window: [(sql) => sql.unsafe(`select id from ${s}.users where full_name_old = $1`, [sql.typed('b' as never, 1043)])], expected: 'statement_text_stale' },
    { name: 'a swapped column written', setup: `${users}; grant update on ${s}.users to reporting_ro`,
      before: [`update ${s}.users set full_name = 'x' where id = 1`], between: swapColumns,
      target: `columns: [${s}.users.full_name_old]`, window: [`update ${s}.users set full_name_old = 'y' where id = 2`], expected: 'statement_text_stale' },
    { name: 'a swapped table, recording turned off through set_config', setup: `${users}; create table ${s}.users_new (like ${s}.users)`,
      before: [`select email from ${s}.users where id = 1`], between: `${UNRECORDED}; alter table ${s}.users rename to users_old; alter table ${s}.users_new rename to users`,
      target: `tables: [${s}.users_old]`, window: [`select email from ${s}.users_old where id = 2`], expected: 'statement_text_stale' },
    { name: 'a swapped schema, recording turned off through set_config', setup: `create schema ${u}_live; create table ${u}_live.users (id int, full_name text); create schema ${u}_next; create table ${u}_next.users (id int, full_name text)`,
      before: [`select full_name from ${u}_live.users where id = 1`], between: `${UNRECORDED}; alter schema ${u}_live rename to ${u}_old; alter schema ${u}_next rename to ${u}_live`,
      target: `columns: [${u}_old.users.full_name]`, window: [`select full_name from ${u}_old.users where id = 2`], expected: 'statement_text_stale' },
    { name: 'tables swapped between schemas (SET SCHEMA), recording turned off through set_config', setup: `create schema ${u}_arch; create schema ${u}_stage; ${users}; create table ${u}_stage.users (like ${s}.users)`,
      before: [`select full_name from ${s}.users where id = 1`], between: `${UNRECORDED}; alter table ${s}.users set schema ${u}_arch; alter table ${u}_stage.users set schema ${s}`,
      target: `columns: [${u}_arch.users.full_name]`, window: [`select full_name from ${u}_arch.users where id = 2`], expected: 'statement_text_stale' },
    { name: 'a swapped column whose rename entries were reset on their own', setup: users,
      before: [`select full_name from ${s}.users where id = 1`],
      between: `alter table ${s}.users rename column full_name to full_name_old; alter table ${s}.users rename column full_name_new to full_name; select pg_stat_statements_reset(0, 0, queryid) from pg_stat_statements where query ilike 'alter table%'`,
      target: `columns: [${s}.users.full_name_old]`, window: [`select full_name_old from ${s}.users where id = 2`], expected: 'statement_text_stale' },
    { name: 'a swapped table read unqualified through the role\'s search_path', setup: `${users}; create table ${s}.users_new (like ${s}.users); alter role reporting_ro set search_path = ${s}, public`,
      before: ['select email from users where id = 1'], between: `${UNRECORDED}; alter table ${s}.users rename to users_old; alter table ${s}.users_new rename to users`,
      target: `tables: [${s}.users_old]`, window: ['select email from users_old where id = 2'], cleanup: 'alter role reporting_ro reset search_path', expected: 'statement_text_stale' },
    // An ordinary application over the swapped table, reading what the swap did not touch: not refused.
    { name: 'control: an application\'s statements over the swapped table, as its drivers send them', setup: `${users}; create table ${s}.events (id int, at timestamptz, ok boolean); alter role reporting_ro set search_path = ${s}, public`,
      before: [
        (sql) => sql.unsafe('select id, email from users where id = $1 and email = $2', [1, 'a']),
        (sql) => sql.unsafe('select id from events where at > $1 and ok = $2', [new Date(), true]),
        (sql) => sql.unsafe('select email from users where id = $1 and big > $2 and price < $3 and ratio > $4', [sql.typed(1 as never, 21), sql.typed(3000000000 as never, 20), sql.typed(2.5 as never, 1700), sql.typed(0.5 as never, 701)]),
        (sql) => sql.unsafe('select id from users where email = $1 and big = $2', [sql.typed('a' as never, 1043), sql.typed(7 as never, 20)]),
        (sql) => sql.unsafe('select id from users where email = $1', [sql.typed('a' as never, 25)]),
        (sql) => sql.unsafe('select id, born from users where id = 1 and big > 2 and price < 3.5 and ratio > 0.5 and email <> \'x\' and flag = true order by id limit 10').simple(),
        (sql) => sql.unsafe(`select u.email, e.at from ${s}.users u join ${s}.events e on e.id = u.id where e.ok and u.born > $1 offset 5`, ['2020-01-01']),
      ],
      between: swapColumns, target: `columns: [${s}.users.full_name_old]`,
      window: [
        (sql) => sql.unsafe('select id, email from users where id = $1 and email = $2', [2, 'b']),
        (sql) => sql.unsafe('select id from events where at > $1 and ok = $2', [new Date(), false]),
        (sql) => sql.unsafe('select email from users where id = $1 and big > $2 and price < $3 and ratio > $4', [sql.typed(2 as never, 21), sql.typed(3000000001 as never, 20), sql.typed(3.5 as never, 1700), sql.typed(1.5 as never, 701)]),
        (sql) => sql.unsafe('select id from users where email = $1 and big = $2', [sql.typed('b' as never, 1043), sql.typed(8 as never, 20)]),
        (sql) => sql.unsafe('select id from users where email = $1', [sql.typed('b' as never, 25)]),
        (sql) => sql.unsafe('select id, born from users where id = 2 and big > 3 and price < 4.5 and ratio > 1.5 and email <> \'y\' and flag = false order by id limit 20').simple(),
        (sql) => sql.unsafe(`select u.email, e.at from ${s}.users u join ${s}.events e on e.id = u.id where e.ok and u.born > $1 offset 6`, ['2021-01-01']),
        // First recorded after the swap: what it spells is what it reads.
        (sql) => sql.unsafe('select full_name from users where id = $1', [3]),
      ],
      cleanup: 'alter role reporting_ro reset search_path', expected: 'pass' },
  ];

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const id = `c${randomUUID().slice(0, 8)}`;
    const run = () => runUnused({ url: urlAs('parity_ro'), dataDir: `memory:${randomUUID()}` }, check(id, c.target), store);
    await as('postgres', [`create schema if not exists ${s}`, c.setup,
      `do $$ declare n text; begin for n in select nspname from pg_namespace where nspname like '${u}%' loop execute format('grant usage on schema %I to public', n); end loop; end $$`]);
    try {
      await as('reporting_ro', c.before ?? []);
      await as('postgres', [c.between]);
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
      if (c.cleanup) await as('postgres', [c.cleanup]);
      await as('postgres', [`do $$ declare n text; begin for n in select nspname from pg_namespace where nspname like '${u}%' loop execute format('drop schema %I cascade', n); end loop; end $$`,
        'select pg_stat_statements_reset()']);
    }
  }, 60_000);
});
