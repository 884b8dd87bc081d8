/**
 * Self-comparisons only the server can see. The load-time refusal (self-comparison.test.ts) reads
 * the check file; it cannot know that `users` reaches `public.users` on the source's search_path,
 * that a view is a plain projection of the other side's table, that a partitioned table has one
 * partition, or that two URLs reach one database. Each check below compared a table with itself and
 * passed on the old code (whatever its rows held: it could never fail). At run time each side's
 * relation is now resolved on its server, and such a check is `error` (`self_comparison`). The
 * controls — a filtered view, a view swapping two columns, a view of an
 * inheritance parent's own rows against its child, two databases cloned from one template (same
 * table oids) — still compare and fail on their differing rows. A partitioned table against one
 * of its partitions, or a parent against its child, share rows: refused too. A materialized view
 * of the table is its own relation, not the table, and is refused as a materialized view.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog, runCheck } from '../support/run-check.js';
import { withDatabase } from '../support/postgres-url.js';

const FIXTURE = `
  create table users (id int primary key, name text not null, email text);
  insert into users select g, 'n' || g, 'e' || g from generate_series(1, 20) g;
  create materialized view users_frozen as select * from users;
  insert into users select g, 'n' || g, 'e' || g from generate_series(21, 25) g;
  analyze users;
  create view users_all as select * from users;
  create view users_narrow as select id, name from users_all;
  create view users_swapped as select id, email as name, name as email from users;
  create view users_renamed as select id, name as full_name, email from users;
  create view users_listed (uid, nm) as select id, name from users;
  create view users_renamed_again as select id, full_name as display_name from users_renamed;
  create table pairs (a int primary key, b int unique);
  insert into pairs values (1, 2), (2, 3), (3, 1);
  create view pairs_swapped as select b as a, a as b from pairs;
  create view users_some as select * from users where id > 5;
  create table events (id int, v text) partition by range (id);
  create table events_all partition of events for values from (minvalue) to (maxvalue);
  insert into events select g, 'v' from generate_series(1, 10) g;
  create view events_v as select * from events;
  create table ledgers (id int, v text) partition by range (id);
  create table ledgers_low partition of ledgers for values from (minvalue) to (6);
  create table ledgers_high partition of ledgers for values from (6) to (maxvalue);
  insert into ledgers select g, 'v' from generate_series(1, 10) g;
  create table base (id int primary key, v text);
  create table child (extra int) inherits (base);
  insert into base select g, 'v' from generate_series(1, 5) g;
  insert into child select g, 'v', 0 from generate_series(6, 10) g;
  create view base_only as select * from only base;
  create view users_where_true as select * from users where true;
  create view users_barrier with (security_barrier) as select * from users;
  create view users_where_true_renamed as select id, name as full_name, email from users_where_true where true and true;
  create schema postgres;
  create table postgres.accounts (id int primary key, name text);
  insert into postgres.accounts select g, 'a' from generate_series(1, 5) g;
  create table public.shadowed (id int primary key, name text);
  create table postgres.shadowed (id int primary key, name text);
  insert into public.shadowed select g, 's' from generate_series(1, 5) g;
  insert into postgres.shadowed select g, 's' from generate_series(1, 4) g;
`;

const rowCount = (old: string, neu: string, extra = '') => `checks:
  - id: c
    kind: row_count
    old: { source: app, table: ${old} }
    new: { source: app, table: ${neu} }${extra}
`;
const joinParity = (old: string, neu: string, expr = 'name', where = '') => `checks:
  - id: c
    kind: column_parity
    source: app
    key: [id]
    old: { table: ${old}, expr: ${expr}${where} }
    new: { table: ${neu}, expr: ${expr}${where} }
`;
const tableDiff = (old: string, neu: string) => `checks:
  - id: c
    kind: table_diff
    key: [id]
    old: { source: app, table: ${old} }
    new: { source: app, table: ${neu} }
`;

const SELF_COMPARISONS: Record<string, string> = {
  'row_count of users against public.users': rowCount('users', 'public.users'),
  'row_count estimate of users against public.users': rowCount('public.users', 'users', '\n    estimate: true'),
  'row_count of users against a view of all its columns': rowCount('users', 'users_all'),
  'row_count of users against a view of it WHERE true': rowCount('users', 'users_where_true'),
  'row_count of users against a security_barrier view of it': rowCount('users', 'users_barrier'),
  'column_parity join of a column against a renaming view over a WHERE true view, WHERE true and true': joinParity('users', 'users_where_true_renamed', 'name').replace(/new: \{ table: users_where_true_renamed, expr: name/, 'new: { table: users_where_true_renamed, expr: full_name'),
  'row_count of a view of all columns against public.users': rowCount('users_all', 'public.users'),
  'row_count of a view of a partitioned table against its only partition': rowCount('events_v', 'events_all'),
  'row_count of a partitioned table against its only partition': rowCount('events', 'public.events_all'),
  // Sides sharing some rows: on those the check compares something with itself (self-comparison-shared-rows.test.ts).
  'row_count of a partitioned table against one of two partitions': rowCount('ledgers', 'ledgers_high'),
  'row_count of an inheritance parent against its child': rowCount('base', 'child'),
  'row_count of an inheritance parent against a view of it alone': rowCount('base', 'base_only'),
  'column_parity join of users against public.users': joinParity('users', 'public.users'),
  'column_parity join with one filter on both sides, through a chain of plain views': joinParity('users', 'users_narrow', 'name', ', where: "id > 3"'),
  'table_diff of users against public.users': tableDiff('users', 'public.users'),
  'table_diff of a plain view against its table': tableDiff('public.users_all', 'users'),
  'column_parity join of a column against a view renaming it': `checks:
  - id: c
    kind: column_parity
    source: app
    key: [id]
    old: { table: users, expr: name }
    new: { table: users_renamed, expr: full_name }
`,
  'column_parity join through two renaming views, under one filter written in each side\'s names': `checks:
  - id: c
    kind: column_parity
    source: app
    key: [id]
    old: { table: users, expr: "upper(name)", where: "name <> 'n3'" }
    new: { table: users_renamed_again, expr: "upper(display_name)", where: "display_name <> 'n3'" }
`,
  'row_count of a filter against the same filter through a view with a column list': `checks:
  - id: c
    kind: row_count
    old: { source: app, table: users, where: "name like 'n1%'" }
    new: { source: app, table: users_listed, where: "nm like 'n1%'" }
`,
  'table_diff mapping each column to its renamed self': `checks:
  - id: c
    kind: table_diff
    key: [id]
    old: { source: app, table: users }
    new: { source: app, table: users_renamed }
    columns: { name: full_name, email: email }
`,
};

const STILL_COMPARED: Record<string, string> = {
  'row_count of users against a filtered view of it': rowCount('users', 'users_some'),
  'column_parity join of a view of an inheritance parent alone against its child (no row in common)': joinParity('base_only', 'child', 'v'),
  'column_parity join of users against a view swapping two columns': joinParity('users', 'users_swapped'),
  'column_parity join of a view swapping the key with the value (rows matched on another column)': `checks:
  - id: c
    kind: column_parity
    source: app
    key: [a]
    old: { table: pairs, expr: b }
    new: { table: pairs_swapped, expr: a }
`,
  'table_diff of every column by name against a renaming view': tableDiff('users', 'users_swapped'),
  'column_parity join of users against public.users under two filters': `checks:
  - id: c
    kind: column_parity
    source: app
    key: [id]
    old: { table: users, expr: name }
    new: { table: public.users, expr: name, where: "id > 3" }
`,
};

/** The role's own schema ("$user", first on the default search_path): a real server's sessions look there (PGlite's do not). */
const ON_THE_ROLE_SCHEMA: { self: Record<string, string>; compared: Record<string, string> } = {
  self: { 'row_count of a name the "$user" schema resolves against its qualified name': rowCount('accounts', 'postgres.accounts') },
  compared: { 'row_count of public.shadowed against the name the "$user" schema resolves first': rowCount('shadowed', 'public.shadowed') },
};

describe.each(engines)('self-comparisons the server resolves, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(FIXTURE);
  });
  afterAll(() => db?.close());

  const roleSchema = (cases: Record<string, string>) => (engine === 'postgres' ? cases : {});
  for (const [name, check] of Object.entries({ ...SELF_COMPARISONS, ...roleSchema(ON_THE_ROLE_SCHEMA.self) })) {
    it(`is an error, never a pass: ${name}`, async () => {
      const result = await runCheck(db, check);
      expect(result.status).toBe('error');
      expect(result.error).toMatchObject({ code: 'self_comparison', message: expect.stringMatching(/same rows|share rows/) });
    });
  }
  for (const [name, check] of Object.entries({ ...STILL_COMPARED, ...roleSchema(ON_THE_ROLE_SCHEMA.compared) })) {
    it(`still compares (and fails): ${name}`, async () => {
      const result = await runCheck(db, check);
      expect(result.error).toBeNull();
      expect(result.status).toBe('fail');
    });
  }

  it('a materialized view of users is not taken for users itself: it is refused as a materialized view (materialized-views.ts), not as a self-comparison', async () => {
    const result = await runCheck(db, rowCount('users', 'users_frozen'));
    expect([result.status, result.error?.code]).toEqual(['error', 'materialized_view']);
  });
});

/** The same server reached by another route: what a second URL for one database looks like. */
const otherRoute = (url: string) => url.replace('127.0.0.1', 'localhost');

describe.runIf(process.env.TEST_DATABASE_URL?.includes('127.0.0.1'))('two URLs reaching one database, on postgres', () => {
  let db: TestDatabase;
  const admin = () => postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  const tag = randomUUID().replaceAll('-', '').slice(0, 12);
  const template = `h_selfcmp_tpl_${tag}`;
  const clones = [`h_selfcmp_a_${tag}`, `h_selfcmp_b_${tag}`];
  const twin = `h_selfcmp_twin_${tag}`;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec(FIXTURE);
    const sql = admin();
    try {
      await sql.unsafe(`create database ${template}`);
      const tpl = postgres(withDatabase(process.env.TEST_DATABASE_URL!, template), { max: 1, onnotice: () => {} });
      await tpl.unsafe('create table users (id int primary key, name text)');
      await tpl.end();
      for (const clone of clones) await sql.unsafe(`create database ${clone} template ${template}`);
    } finally {
      await sql.end();
    }
  });
  afterAll(async () => {
    await db?.close();
    const sql = admin();
    try {
      for (const name of [...clones, template]) await sql.unsafe(`drop database if exists ${name} with (force)`);
      await sql.unsafe(`drop owned by ${twin} cascade`).catch(() => undefined);
      await sql.unsafe(`drop role if exists ${twin}`).catch(() => undefined);
    } finally {
      await sql.end();
    }
  });

  const run = async (yaml: string, sources: Record<string, TestDatabase>) => {
    const catalog = catalogFromYaml(yaml, sources);
    const registry = registryForCatalog(catalog, sources);
    try {
      return await execute([...catalog.checks.values()][0]!, registry);
    } finally {
      await registry.closeAll();
    }
  };
  const twoSources = (kind: 'row_count' | 'table_diff', old: string, neu: string) => `checks:
  - id: c
    kind: ${kind}${kind === 'table_diff' ? '\n    key: [id]' : ''}
    old: { source: app, table: ${old} }
    new: { source: again, table: ${neu} }
`;

  for (const [name, yaml] of Object.entries({
    'row_count of users through both': twoSources('row_count', 'users', 'users'),
    'table_diff of users against public.users through both': twoSources('table_diff', 'users', 'public.users'),
    'row_count of users against a plain view of it through both': twoSources('row_count', 'users', 'users_all'),
    'shadow_read of one query through both': `checks:
  - id: c
    kind: shadow_read
    key: [id]
    sample: { size: 10, from: { source: app, table: users } }
    old: { source: app, query: "select id, name from users where id = any($keys)" }
    new: { source: again, query: "select id, name from users where id = any($keys)" }
    max_mismatch_rate: 0.01
`,
  })) {
    it(`is an error, never a pass: ${name}`, async () => {
      const result = await run(yaml, { app: db, again: { ...db, url: otherRoute(db.url) } });
      expect(result.status).toBe('error');
      expect(result.error).toMatchObject({ code: 'self_comparison' });
    });
  }

  // Settings that decide how a read is planned, logged or resourced, never what it returns, and a
  // second role reading the same table: the same rows with the same SQL, a self-comparison still.
  for (const [name, route] of Object.entries({
    'a planner setting in the URL (options=-c enable_seqscan=off)': (url: string) => `${otherRoute(url)}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c enable_seqscan=off')}`,
    'a cost, a logging and a memory setting in the URL': (url: string) => `${otherRoute(url)}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c random_page_cost=1.5 -c log_min_duration_statement=5000 -c temp_buffers=16MB')}`,
    'another login role with the same grants': (url: string) => otherRoute(url).replace(/\/\/[^@/]*@/, `//${twin}@`),
  })) {
    it(`is an error, never a pass, through URLs differing in ${name}`, async () => {
      const sql = admin();
      try {
        await sql.unsafe(`do $$ begin if not exists (select from pg_roles where rolname = '${twin}') then create role ${twin} login; end if; end $$`);
        await sql.unsafe(`grant connect on database ${await db.exec('select current_database() as d').then((r) => r[0]!.d as string)} to ${twin}`);
      } finally {
        await sql.end();
      }
      await db.exec(`grant select on all tables in schema public to ${twin}`);
      const result = await run(twoSources('table_diff', 'users', 'users'), { app: db, again: { ...db, url: route(db.url) } });
      expect([result.status, result.error?.code]).toEqual(['error', 'self_comparison']);
    });
  }

  it('two roles still compare where the SQL asks who reads, and fail', async () => {
    const sql = admin();
    try {
      await sql.unsafe(`do $$ begin if not exists (select from pg_roles where rolname = '${twin}') then create role ${twin} login; end if; end $$`);
    } finally {
      await sql.end();
    }
    await db.exec(`grant select on all tables in schema public to ${twin}`);
    const yaml = `checks:
  - id: c
    kind: row_count
    old: { source: app, table: users, where: "id <= case when current_user = 'postgres' then 25 else 10 end" }
    new: { source: again, table: users, where: "id <= case when current_user = 'postgres' then 25 else 10 end" }
`;
    const result = await run(yaml, { app: db, again: { ...db, url: otherRoute(db.url).replace(/\/\/[^@/]*@/, `//${twin}@`) } });
    expect([result.status, result.error?.code]).toEqual(['fail', undefined]);
  });

  it('two databases cloned from one template (one table oid in each) still compare, and fail', async () => {
    const url = (database: string) => withDatabase(process.env.TEST_DATABASE_URL!, database);
    const [a, b] = clones.map((database) => postgres(url(database), { max: 1, onnotice: () => {} }));
    try {
      const oids = await Promise.all([a!, b!].map(async (c) => (await c.unsafe(`select 'users'::regclass::oid::text as oid`))[0]!.oid));
      expect(oids[0]).toBe(oids[1]);
      await a!.unsafe(`insert into users select g, 'x' from generate_series(1, 3) g`);
      await b!.unsafe(`insert into users select g, 'x' from generate_series(1, 4) g`);
    } finally {
      await Promise.all([a!.end(), b!.end()]);
    }
    const source = (database: string): TestDatabase => ({ ...db, url: url(database) });
    const result = await run(twoSources('row_count', 'users', 'users'), { app: source(clones[0]!), again: source(clones[1]!) });
    expect(result.error).toBeNull();
    expect(result.status).toBe('fail');
  });
});
