/**
 * Code a type runs on every value made of it, planted with no user function at all: a domain
 * whose CHECK calls dblink_exec (an extension's function) or pg_try_advisory_lock (a built-in the
 * allow-list refuses) directly, and a cast whose function is such a built-in. The stand-in guard
 * looked only for user functions there, and the allow-list judges the names operator SQL writes,
 * never the types it casts to, so every cast below ran the hook inside a READ ONLY transaction
 * while the check passed: operator SQL casting to the domain (directly, as an array, through a
 * domain over it, a composite holding it, record_in of a text, jsonb_populate_record), a view
 * whose definition casts to it, parity's own chunked scan binding its key bounds as the domain,
 * and an assignment cast the server chose on its own (`where id::bigint`).
 */
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { createSourceRegistry } from '../../src/sources/registry.js';
import { INSTALLED_MEMBERS } from '../../src/sources/installed-code.js';
import { REFUSED_FUNCTIONS_SQL } from '../../src/sources/type-code.js';
import { VETTED_VOLATILE } from '../../src/sql/builtin-functions.js';
import { findDeniedFunction } from '../../src/sql/deny-list.js';
import { createTestDatabase, describeOnPostgres, engines, type EngineName, type TestDatabase } from '../support/databases.js';
import { hookTraces } from '../support/hook-traces.js';
import { execute } from '../support/run-check.js';

const TABLES = `
  create table hits (what text);
  create table users (id int primary key, m text);
  insert into users values (1, 'happy');`;

/** A boolean expression with a side effect a READ ONLY transaction does not stop, and no user function in it. */
function hookCall(engine: EngineName, how: 'extension' | 'builtin'): string {
  return how === 'extension' && engine === 'postgres'
    ? `public.dblink_exec('dbname=' || pg_catalog.current_database() || ' user=postgres', 'insert into hits values (''ran'')') is not null`
    : 'pg_catalog.pg_try_advisory_lock(4242)';
}

/** Casts to a domain whose CHECK runs the hook, written every way operator SQL can reach it. */
const DOMAIN_CASTS: { name: string; check: string; scan?: string }[] = [
  { name: 'x::domain in a where', check: `{ id: c, kind: null_check, source: app, table: users, columns: [m], where: "id::text::public.logged is not null" }` },
  { name: 'cast(x as domain) in a query', check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where cast(m as public.logged) = 'happy'", expect: { value: 1 } }` },
  { name: "a literal array of the domain ('{..}'::domain[])", check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where '{x,y}'::public.logged[] is not null", expect: { value: 1 } }` },
  { name: 'array[...]::domain[]', check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where array[m]::public.logged[] is not null", expect: { value: 1 } }` },
  { name: 'a domain over the domain', check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where m::public.outer_logged is not null", expect: { value: 1 } }` },
  { name: 'row(...)::composite whose field is the domain', check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where row(m)::public.wrapper is not null", expect: { value: 1 } }` },
  { name: "record_in of a text ('(x)'::composite)", check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where '(x)'::public.wrapper is not null", expect: { value: 1 } }` },
  { name: 'jsonb_populate_record into the composite', check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where jsonb_populate_record(null::public.wrapper, '{\\"v\\": \\"x\\"}') is not null", expect: { value: 1 } }` },
  { name: 'a view whose definition casts to the domain', check: '{ id: c, kind: null_check, source: app, table: logged_users, columns: [m] }' },
  { name: "parity's own chunked scan over a key of the domain", check: '{ id: c, kind: null_check, source: app, table: keyed, columns: [v] }', scan: ', scan: { mode: chunked, chunk_rows: 100 }' },
];

function domainPlant(hook: string): string {
  return `create domain public.logged as text check (${hook});
    create domain public.outer_logged as public.logged;
    create type public.wrapper as (v public.logged);
    create view public.logged_users as select id, m::public.logged as m from users;
    create domain public.logged_key as int;
    create table keyed (id public.logged_key primary key, v text);
    insert into keyed select g, 'x' from generate_series(1, 300) g;
    alter domain public.logged_key add constraint runs_hook check (${hook}) not valid;`;
}

/** A cast between two built-in types whose function is a built-in that takes a session lock. */
const CAST_PLANT = 'create cast (bigint as boolean) with function pg_catalog.pg_try_advisory_lock(bigint) as assignment;';
const CAST_CHECKS: { name: string; check: string }[] = [
  { name: 'an explicit cast between built-in types', check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where id::bigint::boolean", expect: { value: 1 } }` },
  { name: 'a cast the server chose on its own (where takes a boolean)', check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where id::bigint", expect: { value: 1 } }` },
];

interface Outcome {
  status: string;
  code: string | undefined;
  traces: unknown[];
  summary: string;
}

/**
 * Runs one check and collects what the hook left before the sources close: rows written through
 * dblink, and advisory locks held by any other session (parity's pooled connection holds them).
 */
async function run(db: TestDatabase, check: string, scan = ''): Promise<Outcome> {
  const parsed = parseCheckFile(`sources:\n  app: { url: "${db.url}"${scan} }\nchecks:\n  - ${check}\n`, 'type-code.yaml', {});
  if (Array.isArray(parsed)) throw new Error(JSON.stringify(parsed));
  const catalog = buildCatalog([parsed]);
  if (Array.isArray(catalog)) throw new Error(JSON.stringify(catalog));
  const registry = createSourceRegistry(catalog.sources, { dataDir: db.dataDir });
  try {
    const result = await execute([...catalog.checks.values()][0]!, registry);
    return { status: result.status, code: result.error?.code, traces: await hookTraces(db), summary: result.summary };
  } finally {
    await registry.closeAll();
  }
}

/** Planting a table of the domain ran its CHECK: start from no traces. */
async function clearTraces(db: TestDatabase): Promise<void> {
  await db.exec('delete from hits');
  await db.exec('select pg_advisory_unlock_all()');
}

describe.each(engines)('type-level code a cast runs, planted without a user function, on %s', (engine) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  const hows: ('extension' | 'builtin')[] = engine === 'postgres' ? ['extension', 'builtin'] : ['builtin'];
  for (const how of hows) {
    it(`a domain whose CHECK calls ${how === 'extension' ? 'dblink_exec' : 'pg_try_advisory_lock'}: every cast to it could not verify, and nothing ran`, async () => {
      db = await createTestDatabase(engine);
      await db.exec(`${engine === 'postgres' ? 'create extension dblink;' : ''}${TABLES}`);
      await db.exec(domainPlant(hookCall(engine, how)));
      const outcomes: Record<string, Omit<Outcome, 'summary'>> = {};
      const expected: Record<string, Omit<Outcome, 'summary'>> = {};
      for (const form of DOMAIN_CASTS) {
        await clearTraces(db);
        const { summary, ...outcome } = await run(db, form.check, form.scan);
        outcomes[form.name] = outcome;
        expected[form.name] = { status: 'error', code: 'stand_in_code', traces: [] };
        if (outcome.status === 'error') expect(summary).toMatch(/logged/);
      }
      expect(outcomes).toEqual(expected);
    });
  }

  it('a cast between built-in types whose function is a refused built-in: could not verify, and nothing ran', async () => {
    db = await createTestDatabase(engine);
    await db.exec(`${TABLES}\n${CAST_PLANT}`);
    const outcomes: Record<string, Omit<Outcome, 'summary'>> = {};
    const expected: Record<string, Omit<Outcome, 'summary'>> = {};
    for (const form of CAST_CHECKS) {
      await clearTraces(db);
      const { summary, ...outcome } = await run(db, form.check);
      outcomes[form.name] = outcome;
      expected[form.name] = { status: 'error', code: 'stand_in_code', traces: [] };
      if (outcome.status === 'error') expect(summary).toMatch(/pg_try_advisory_lock/);
    }
    expect(outcomes).toEqual(expected);
  });

  it('types whose code is read-only built-ins stay usable: a domain checked by built-ins, a composite of it, a cast WITH INOUT', async () => {
    db = await createTestDatabase(engine);
    await db.exec(`${TABLES}
      create domain public.word as text check (value ~ '^[a-z]+$' and pg_catalog.length(value) < 20 and row(value, 1) < row('zzzz', 2));
      create domain public.positive as int check (value > 0);
      create type public.tagged as (w public.word);
      create cast (bigint as boolean) with inout;
      create view public.words as select id, m::public.word as m from users;
      create table keyed (id public.positive primary key, v text);
      insert into keyed select g, 'x' from generate_series(1, 300) g;`);
    const checks = [
      `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where m::public.word = 'happy' and row(m)::public.tagged is not null and 1::bigint::boolean", expect: { value: 1 } }`,
      '{ id: c, kind: null_check, source: app, table: words, columns: [m] }',
    ];
    for (const check of checks) expect((await run(db, check)).status).toBe('pass');
    expect((await run(db, '{ id: c, kind: null_check, source: app, table: keyed, columns: [v] }', ', scan: { mode: chunked, chunk_rows: 100 }')).status).toBe('pass');
  });
});

describeOnPostgres('type-level code an extension brings is the server\'s own', () => {
  it('a domain over citext checked by a non-volatile citext function stays usable', async () => {
    const db = await createTestDatabase('postgres');
    try {
      await db.exec(`create extension citext; ${TABLES}
        create domain public.ci_word as public.citext check (public.strpos(value, 'x'::public.citext) = 0);`);
      const result = await run(db, `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where m::public.ci_word = 'HAPPY'", expect: { value: 1 } }`);
      expect([result.status, result.summary]).toEqual(['pass', expect.any(String)]);
    } finally {
      await db.close();
    }
  });
});

async function dropRole(role: string): Promise<void> {
  const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`drop role if exists ${role}`);
  } finally {
    await admin.end();
  }
}

describe.each(engines)('the guard refuses exactly the functions implicit-code refuses, on %s', (engine) => {
  it("every pg_proc row: refused in SQL exactly when the deny list names it, it is volatile and not vetted, or it is a user's", async () => {
    const db = await createTestDatabase(engine);
    const role = `parity_claimer_${process.pid}`;
    try {
      // A plain role's function a superuser added to an extension is still a user's (extension-membership.test.ts).
      await db.exec(`create function public.user_helper(text) returns text language sql immutable as 'select $1';
        create function public.lo_like_name(text) returns text language sql immutable as 'select $1';
        drop role if exists ${role}; create role ${role}; grant create on schema public to ${role};
        set role ${role}; create function public.claimed(text) returns text language sql immutable as 'select $1'; reset role;
        alter extension plpgsql add function public.claimed(text);`);
      const rows = await db.exec(`with ${INSTALLED_MEMBERS} select p.proname::text as name, p.provolatile::text as volatility, p.oid >= 16384 as made_later,
          exists (select from pg_depend e where e.classid = 'pg_proc'::regclass and e.objid = p.oid
            and ((e.deptype = 'e' and (select r.rolsuper from pg_roles r where r.oid = p.proowner)) or (e.deptype = 'i' and e.refclassid = 'pg_type'::regclass))) as servers_own,
          p.oid in (${REFUSED_FUNCTIONS_SQL}) as refused
        from pg_proc p`);
      const disagree = rows.filter((row) => {
        const name = String(row.name);
        const volatile = row.volatility === 'v';
        const expected = findDeniedFunction(name) !== undefined
          || (volatile && (row.made_later === true || !VETTED_VOLATILE.includes(name)))
          || (row.made_later === true && row.servers_own !== true);
        return expected !== row.refused;
      });
      expect(rows.length).toBeGreaterThan(2000);
      expect(disagree).toEqual([]);
      expect(rows.filter((row) => row.name === 'claimed').map((row) => row.refused)).toEqual([true]);
    } finally {
      await db.close();
      // Roles are the cluster's: dropped once the database holding the role's objects is gone.
      if (engine === 'postgres') await dropRole(role);
    }
  });
});
