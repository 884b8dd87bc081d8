/**
 * Code a read runs because of the relation it reads, not because of anything it names. The
 * allow-list judges operator SQL, and the stand-in guard judges code the server finds by name or
 * type; but reading a view runs its definition (a user function, dblink, an operator of a schema
 * off the search_path), and the planner folds constant sub-expressions of a relation's index
 * expressions and predicates, its CHECK constraints (under constraint exclusion), its statistics
 * objects and its partition key — once per backend, on any read of the relation, with no operator
 * SQL at all (a null_check or a row_count of the table is enough). Each planted hook here wrote to
 * the verified database through dblink on Postgres (a session lock on PGlite, which has no dblink)
 * while parity read, and the check passed. Reading such a relation is now "could not verify", and
 * nothing of it runs.
 */
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createServerWatch } from '../../src/runner/server-watch.js';
import { createTestDatabase, describeOnPostgres, engines, registryFor, type EngineName, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** Records that a planted hook ran: a row written through a second connection, or a session lock left behind. */
function markSql(engine: EngineName): string {
  return engine === 'postgres'
    ? `create function public.mark(what text) returns boolean language plpgsql volatile as $f$
        begin perform public.dblink_exec('dbname=' || current_database() || ' user=postgres', format('insert into hits values (%L)', what)); return true; end $f$;`
    : `create function public.mark(what text) returns boolean language plpgsql volatile as $f$
        begin perform pg_catalog.pg_advisory_lock(4242); return true; end $f$;`;
}

/** An IMMUTABLE function (so an index may use it) that marks: the planner folds it where its arguments are constants. */
const FOLD = `create function public.fold(n int) returns int language plpgsql immutable as $f$
  begin perform public.mark('fold'); return n; end $f$;`;

const TABLES = `
  create table users (id int primary key, email text, i int);
  insert into users values (1, 'a@x', 5), (2, 'b@x', 6);`;

const NULL_CHECK = (table: string) => `  - { id: c, kind: null_check, source: app, table: ${table}, columns: [email] }`;

/** Each hook, planted alone, and a check that reaches it through the relation it reads. */
const HOOKS: { name: string; plant: string; check: string; postgresOnly?: boolean }[] = [
  {
    name: 'an index on a SQL function over a column whose inlined body holds a constant call of a user function',
    plant: `${FOLD} create function public.wrap(t text) returns text language sql immutable as $f$ select lower(t) || public.fold(1)::text $f$;
      create index users_wrap on users (public.wrap(email));`,
    check: NULL_CHECK('users'),
  },
  {
    name: 'a view whose WHERE calls a user function (operator SQL reads the view)',
    plant: `create view public.v_users as select * from users where public.mark('view');`,
    check: `  - { id: c, kind: sql_assert, source: app, query: "select count(*) as v from v_users", expect: { value: 2 } }`,
  },
  {
    name: "a view whose WHERE calls a user function (parity's own null_check of the view)",
    plant: `create view public.v_users as select * from users where public.mark('view');`,
    check: NULL_CHECK('v_users'),
  },
  {
    name: 'a view over such a view (views are followed to the end)',
    plant: `create view public.v_inner as select * from users where public.mark('inner');
      create view public.v_users as select * from public.v_inner;`,
    check: NULL_CHECK('v_users'),
  },
  {
    name: 'a view that calls dblink itself',
    plant: `create view public.v_users as select u.* from users u
      where public.dblink_exec('dbname=' || current_database() || ' user=postgres', 'insert into hits values (''dblink'')') is not null;`,
    check: NULL_CHECK('v_users'),
    postgresOnly: true,
  },
  {
    name: 'a view using an operator of a schema off the search_path (the stand-in guard looks only on the path)',
    plant: `create schema hidden;
      create function public.markeq(int, int) returns boolean language plpgsql volatile as $f$ begin perform public.mark('operator'); return $1 = $2; end $f$;
      create operator hidden.=== (leftarg = int, rightarg = int, function = public.markeq);
      create view public.v_users as select * from users where i operator(hidden.===) i;`,
    check: NULL_CHECK('v_users'),
  },
  {
    name: 'a view calling a built-in that changes the session (set_config, not local)',
    plant: `create view public.v_users as select * from users where pg_catalog.set_config('parity.planted', 'yes', false) is not null;`,
    check: NULL_CHECK('v_users'),
  },
  {
    name: 'an index expression with a constant call (the planner folds it when it reads the table)',
    plant: `${FOLD} create index users_fold on users ((i + public.fold(1)));`,
    check: NULL_CHECK('users'),
  },
  {
    name: "a partial index's predicate with a constant call",
    plant: `${FOLD} create index users_partial on users (i) where i > public.fold(0);`,
    check: NULL_CHECK('users'),
  },
  {
    name: "a statistics object's expression with a constant call",
    plant: `${FOLD} create statistics users_stats on (i + public.fold(2)) from users;`,
    check: NULL_CHECK('users'),
  },
  {
    name: 'a partition key expression with a constant call',
    plant: `${FOLD} create table parts (id int, email text) partition by range ((id + public.fold(3)));
      create table parts_1 partition of parts for values from (0) to (1000);
      insert into parts values (1, 'a@x');`,
    check: NULL_CHECK('parts'),
  },
  {
    name: "a CHECK with a constant call on a table inheriting from the one read (constraint exclusion folds it)",
    plant: `${FOLD} create table kids (check (i > public.fold(4))) inherits (users);
      insert into kids values (9, 'k@x', 50);`,
    check: `  - { id: c, kind: null_check, source: app, table: users, columns: [email], where: "i > 0" }`,
  },
  // Built-ins are pinned: no pg_depend row records a view's call of one, so the database-wide
  // screen must find these in the stored tree's text (implicit-code-screen.ts).
  {
    name: "a view over a built-in operator whose estimator a superuser pointed at a user function",
    plant: `create function public.lt_sel(internal, oid, internal, integer) returns float8 language internal stable as 'scalarltsel';
      alter operator pg_catalog.< (int4, int4) set (restrict = public.lt_sel);
      create view public.v_users as select * from users where i < 10;`,
    check: NULL_CHECK('v_users'),
  },
  {
    name: "a view comparing rows with that operator (a row comparison lists its operators apart)",
    plant: `create function public.lt_sel(internal, oid, internal, integer) returns float8 language internal stable as 'scalarltsel';
      alter operator pg_catalog.< (int4, int4) set (restrict = public.lt_sel);
      create view public.v_users as select * from users where (i, id) < (10, 20);`,
    check: NULL_CHECK('v_users'),
  },
  {
    name: 'a view calling a deny-listed built-in (query_to_xml, matched by name prefix)',
    plant: `create view public.v_users as select u.*, pg_catalog.query_to_xml('select 1', true, false, '') as x from users u;`,
    check: NULL_CHECK('v_users'),
  },
];

/** What the hooks left: rows written (Postgres) or advisory locks held (PGlite's one session). */
async function traces(db: TestDatabase): Promise<unknown[]> {
  return db.engine === 'postgres'
    ? (await db.exec('select what from hits')).map((r) => r.what)
    : (await db.exec("select objid from pg_locks where locktype = 'advisory'")).map((r) => r.objid);
}

async function clearTraces(db: TestDatabase): Promise<void> {
  await db.exec(db.engine === 'postgres' ? 'delete from hits' : 'select pg_advisory_unlock_all()');
}

describe.each(engines)('code reading a relation would run, on %s', (engine) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  // dblink exists only on Postgres: its case is not registered on other engines (never skipped).
  for (const hook of HOOKS.filter((h) => h.postgresOnly !== true || engine === 'postgres')) {
    it(`${hook.name}: could not verify, and nothing ran`, async () => {
      db = await createTestDatabase(engine);
      await db.exec(`create table hits (what text); ${engine === 'postgres' ? 'create extension dblink;' : ''}`);
      await db.exec(`${TABLES}\n${markSql(engine)}\n${hook.plant}`);
      // Planting may have run the hook (an index is built over the rows): start from no traces.
      await clearTraces(db);
      const result = await runCheck(db, `checks:\n${hook.check}\n`);
      expect({ status: result.status, code: result.error?.code, traces: await traces(db) }).toEqual({ status: 'error', code: 'implicit_code', traces: [] });
      expect(result.summary).toMatch(/would run/);
    });
  }

  it('a relation whose code runs only on writes, or only on a column, is no reason to refuse: an index, a CHECK and a view over built-ins', async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create table hits (what text); ${engine === 'postgres' ? 'create extension dblink;' : ''}`);
    // A partial index's predicate and a validated CHECK calling a user function are stored results
    // the planner trusts (planner-trusted-code.ts): refused as such below, so the CHECKs here are
    // NOT VALID, which the planner never trusts.
    await db.exec(`${TABLES}\n${markSql(engine)}
      create function public.norm(t text) returns text language plpgsql immutable as $f$ begin perform public.mark('norm'); return lower(t); end $f$;
      create index users_norm on users (public.norm(email));
      -- The child first: one made after would take the parent's CHECK as validated (it is empty).
      create table kids () inherits (users);
      alter table users add constraint users_email check (public.norm(email) is not null) not valid;
      alter table kids add constraint kids_email check (public.norm(email) <> 'zz') not valid;
      create view public.v_users as select id, lower(email) as email, i from users where i > 0;
      -- A SQL wrapper of built-ins over a column (scenario 04's email_key): inlined, it folds nothing.
      create function public.email_key(t text) returns text language sql immutable as $f$ select lower(btrim(t)) $f$;
      create index users_key on users (public.email_key(email));
      create function public.email_key_long(t text) returns text language sql immutable as $f$ select lower(t) from (select 1) x where t <> '' $f$;
      create index users_key_long on users (public.email_key_long(email));`);
    await clearTraces(db);
    for (const table of ['users', 'v_users']) {
      const result = await runCheck(db, `checks:\n  - { id: c, kind: null_check, source: app, table: ${table}, columns: [email], where: "i > 0" }\n`);
      // The view computes email above the Append of users and its inheritance child, where the plan
      // names the parent, which no scan is: what its filters leave out cannot be told
      // (scope-lineage.ts), a refusal for that reason, not for implicit code.
      expect([table, result.error?.code ?? result.status]).toEqual([table, table === 'v_users' ? 'scope_reads_counted' : 'pass']);
    }
    expect(await traces(db)).toEqual([]);
  });

  it.each([
    ['a partial index', "create index users_part on users (i) where public.norm(email) <> ''"],
    ['a validated CHECK', 'alter table users add constraint users_email check (public.norm(email) is not null)'],
    ['a validated CHECK on an inheriting table', "create table kids (check (public.norm(email) <> 'zz')) inherits (users)"],
  ])('a user function only a write runs, in %s the planner trusts: refused as planner_trusted_code, and nothing ran', async (_name, plant) => {
    db = await createTestDatabase(engine);
    await db.exec(`create table hits (what text); ${engine === 'postgres' ? 'create extension dblink;' : ''}`);
    await db.exec(`${TABLES}\n${markSql(engine)}
      create function public.norm(t text) returns text language plpgsql immutable as $f$ begin perform public.mark('norm'); return lower(t); end $f$;
      ${plant};`);
    await clearTraces(db);
    const result = await runCheck(db, `checks:\n  - { id: c, kind: null_check, source: app, table: users, columns: [email], where: "i > 0" }\n`);
    expect({ status: result.status, code: result.error?.code, traces: await traces(db) }).toEqual({ status: 'error', code: 'planner_trusted_code', traces: [] });
    expect(result.error?.message).toMatch(/norm\(text\)/);
  });
});

describe.each(engines)('how often a run judges the relations it reads, on %s', (engine) => {
  it('once per relation set per run: a clean set is not asked again in that run, and a refused one is refused every time', async () => {
    const db = await createTestDatabase(engine);
    const registry = registryFor(db);
    try {
      await db.exec(`${TABLES} create view public.v_users as select * from users;`);
      const source = await registry.get('app');
      const read = (watch?: ReturnType<typeof createServerWatch>) => source.readOnly((session) => session.query({ text: 'select count(*)::int as n from v_users', params: [] }), { statementTimeoutMs: 10_000, server: watch });
      const run = createServerWatch('app');
      expect(await read(run)).toEqual([{ n: 2 }]);
      await db.exec(`create or replace view public.v_users as select * from users where pg_catalog.set_config('parity.planted', 'yes', false) is not null;`);
      // Judged clean in this run already: the run's cost is one catalog query per relation set.
      expect(await read(run)).toEqual([{ n: 2 }]);
      await expect(read(createServerWatch('app'))).rejects.toMatchObject({ code: 'implicit_code' });
      await expect(read()).rejects.toMatchObject({ code: 'implicit_code' });
    } finally {
      await registry.closeAll();
      await db.close();
    }
  });
});

describeOnPostgres('a foreign table that runs a program', () => {
  it('file_fdw with `program`: could not verify, and the program did not run', async () => {
    const db = await createTestDatabase('postgres');
    const marker = join(tmpdir(), `parity-fdw-${process.pid}-${Date.now()}`);
    try {
      await db.exec(`create extension file_fdw; create server files foreign data wrapper file_fdw;
        create foreign table piped (id int, email text) server files options (program 'touch ${marker}; echo 1,a@x', format 'csv');`);
      const result = await runCheck(db, `checks:\n${NULL_CHECK('piped')}\n`);
      expect({ status: result.status, code: result.error?.code, ran: existsSync(marker) }).toEqual({ status: 'error', code: 'foreign_table', ran: false });
    } finally {
      rmSync(marker, { force: true });
      await db.close();
    }
  });
});

describeOnPostgres('row-level security policies do not run inside a read', () => {
  it("a policy calling a user function, on a table the role does not own: the read fails (row_security is off) before the policy runs", async () => {
    const db = await createTestDatabase('postgres');
    const role = `parity_rls_${process.pid}`;
    try {
      await db.exec(`create table hits (what text); create extension dblink; ${TABLES} ${markSql('postgres')}
        alter table users enable row level security;
        create policy p on users using (public.mark('policy'));
        drop role if exists ${role}; create role ${role} login;
        grant select on users to ${role}; grant execute on function public.mark(text) to ${role};`);
      const url = new URL(db.url);
      url.username = role;
      const result = await runCheck({ ...db, url: url.toString() }, `checks:\n${NULL_CHECK('users')}\n`);
      expect({ status: result.status, traces: await traces(db) }).toEqual({ status: 'error', traces: [] });
    } finally {
      await db.exec(`drop owned by ${role}; drop role ${role}`).catch(() => undefined);
      await db.close();
    }
  });
});
