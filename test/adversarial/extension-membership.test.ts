/**
 * Extension membership is a claim anyone who owns an extension and an object can make: `alter
 * extension citext add function public.sneaky(text)` needs ownership of the two, and a database
 * owner who ran `create extension citext` (a trusted extension) has both. The guards trusted a
 * member as the server's installation, so a domain CHECK, a cast, a look-alike function, aggregate
 * or operator, a view, an index predicate, a range type's function or an operator class made of
 * claimed code ran it inside the READ ONLY transaction while the check passed — here, on
 * Postgres, as a role that is no superuser (on PGlite, which has one session, a superuser claims
 * objects a plain role owns for plpgsql). Each planted hook writes through dblink on Postgres (a
 * session lock on PGlite). A member counts as installed only when a superuser owns it.
 *
 * And a superuser can replace a built-in's definition keeping its oid, which every rule trusts: a
 * PL body, or a BEGIN ATOMIC body calling a user's function, now refuses the database. A
 * string-bodied SQL replacement, or a BEGIN ATOMIC one calling only pinned built-ins, leaves no
 * trace in the catalog and is still held (marked as failing).
 */
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, createTestDatabase, describeOnPostgres, engines, type EngineName, type TestDatabase } from '../support/databases.js';
import { hookTraces } from '../support/hook-traces.js';
import { runCheck } from '../support/run-check.js';

/** Records that a planted hook ran: a row written through a second connection, or a session lock left behind. */
function markSql(engine: EngineName): string {
  return engine === 'postgres'
    // Only a superuser's session writes (parity reads as one): dblink refuses the owner, whose planting runs some hooks.
    ? `create function public.mark(what text) returns boolean language plpgsql volatile as $f$
        begin if (select r.rolsuper from pg_roles r where r.rolname = current_user) then
          perform public.dblink_exec('dbname=' || current_database() || ' user=postgres', format('insert into hits values (%L)', what)); end if; return true; end $f$;`
    : `create function public.mark(what text) returns boolean language plpgsql volatile as $f$
        begin perform pg_catalog.pg_advisory_lock(4242); return true; end $f$;`;
}

const TABLES = `
  create table hits (what text);
  create table users (id int primary key, email varchar(50), i int, n numeric, m text);
  insert into users values (1, 'a@x', 5, 6, 'happy');
  create type public.mood as enum ('happy', 'sad');
  create table moods (id int primary key, a public.mood, b public.mood);
  insert into moods values (1, 'happy', 'sad');`;

/** An IMMUTABLE function (a member may be anything an owner declares) whose body writes. */
const SNEAKY = `create function public.sneaky(t text) returns boolean language plpgsql immutable as $f$ begin return public.mark('sneaky'); end $f$;`;

interface Plant {
  name: string;
  /** Made by the role that owns the extension (Postgres), or by a plain role (PGlite). */
  objects: string;
  /** Made by a superuser, then handed to that role (what only a superuser may create). */
  superuser?: string;
  /** Run by the extension's owner; `EXT` is the extension's name. */
  claims: string;
  check: string;
}

const NULL_CHECK = (table: string, where = '') => `{ id: c, kind: null_check, source: app, table: ${table}, columns: [email]${where} }`;

const PLANTS: Plant[] = [
  {
    name: "a domain whose CHECK calls a function added to the extension (a cast in a where)",
    objects: `${SNEAKY} create domain public.logged as text check (public.sneaky(value));`,
    claims: 'alter extension EXT add function public.sneaky(text);',
    check: NULL_CHECK('users', ', where: "m::public.logged is not null"'),
  },
  {
    name: 'a domain whose CHECK uses an operator added to the extension',
    objects: `create function public.same(text, text) returns boolean language plpgsql immutable as $f$ begin return public.mark('operator'); end $f$;
      create operator public.=== (leftarg = text, rightarg = text, function = public.same);
      create domain public.logged as text check (value === 'x');`,
    claims: 'alter extension EXT add operator public.===(text, text); alter extension EXT add function public.same(text, text);',
    check: NULL_CHECK('users', ', where: "m::public.logged is not null"'),
  },
  {
    name: "a cast whose function was added to the extension (parity's own column_parity over enums)",
    objects: `create function public.mood_text(public.mood) returns text language plpgsql immutable as $f$ begin perform public.mark('cast'); return 'same'; end $f$;
      create cast (public.mood as text) with function public.mood_text(public.mood);`,
    claims: 'alter extension EXT add function public.mood_text(public.mood); alter extension EXT add cast (public.mood as text);',
    check: '{ id: c, kind: column_parity, source: app, table: moods, key: [id], old: a, new: b }',
  },
  {
    name: 'a look-alike overload of a built-in added to the extension',
    objects: `create function public.lower(character varying) returns text language plpgsql immutable as $f$ begin perform public.mark('lower'); return 'a@x'; end $f$;`,
    claims: 'alter extension EXT add function public.lower(character varying);',
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where lower(email) = 'a@x'", expect: { value: 1 } }`,
  },
  {
    name: 'a look-alike operator of exactly the operand types added to the extension',
    objects: `create function public.eq(integer, numeric) returns boolean language plpgsql immutable as $f$ begin return public.mark('eq'); end $f$;
      create operator public.= (leftarg = integer, rightarg = numeric, function = public.eq);`,
    claims: 'alter extension EXT add operator public.=(integer, numeric); alter extension EXT add function public.eq(integer, numeric);',
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where i = n", expect: { value: 1 } }`,
  },
  {
    name: 'a look-alike aggregate added to the extension',
    objects: `create function public.max_step(text, character varying) returns text language plpgsql immutable as $f$ begin perform public.mark('aggregate'); return 'a@x'; end $f$;
      create aggregate public.max(character varying) (sfunc = public.max_step, stype = text);`,
    claims: 'alter extension EXT add function public.max_step(text, character varying); alter extension EXT add aggregate public.max(character varying);',
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where (select max(email) from users) = 'a@x'", expect: { value: 1 } }`,
  },
  {
    name: 'a view calling a function added to the extension',
    objects: `${SNEAKY} create view public.v_users as select * from users where public.sneaky(m);`,
    claims: 'alter extension EXT add function public.sneaky(text);',
    check: NULL_CHECK('v_users'),
  },
  {
    name: "a view added to the extension, calling the owner's function",
    objects: `${SNEAKY} create view public.v_users as select * from users where public.sneaky(m);`,
    claims: 'alter extension EXT add view public.v_users;',
    check: NULL_CHECK('v_users'),
  },
  {
    name: "a partial index's predicate folding a function added to the extension",
    objects: `${SNEAKY} create index users_part on users (i) where public.sneaky('x');`,
    claims: 'alter extension EXT add function public.sneaky(text);',
    check: NULL_CHECK('users'),
  },
  {
    name: "a table added to the extension, whose partial index folds the owner's function",
    objects: `${SNEAKY} create index users_part on users (i) where public.sneaky('x');`,
    claims: 'alter extension EXT add table users;',
    check: NULL_CHECK('users'),
  },
  {
    name: "a range type's subtype_diff added to the extension (the planner calls it to estimate a range condition)",
    objects: `create function public.idiff(integer, integer) returns float8 language plpgsql immutable as $f$ begin perform public.mark('subtype_diff'); return $1 - $2; end $f$;
      create type public.span as range (subtype = integer, subtype_diff = public.idiff);
      create table spans (id int primary key, a public.span);
      insert into spans select g, pg_catalog.int4range(g, g + 5)::text::public.span from generate_series(1, 500) g;
      analyze spans;`,
    claims: 'alter extension EXT add function public.idiff(integer, integer);',
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from spans where a && '[1,10)'", expect: { value: 9 } }`,
  },
  {
    name: "an operator class a superuser made and handed to the owner, added to the extension (parity's own range comparison calls its support function)",
    objects: '',
    superuser: `create function public.icmp(integer, integer) returns int language plpgsql immutable as $f$
        begin perform public.mark('opclass'); return case when $1 < $2 then -1 when $1 > $2 then 1 else 0 end; end $f$;
      create operator class public.int_ops for type integer using btree as
        operator 1 pg_catalog.<, operator 2 pg_catalog.<=, operator 3 pg_catalog.=, operator 4 pg_catalog.>=, operator 5 pg_catalog.>, function 1 public.icmp(integer, integer);
      create type public.span as range (subtype = integer, subtype_opclass = public.int_ops);
      create table spans (id int primary key, a public.span, b public.span);
      insert into spans values (1, '[1,3)', '[1,3)');
      alter function public.icmp(integer, integer) owner to OWNER;
      alter operator family public.int_ops using btree owner to OWNER;
      alter operator class public.int_ops using btree owner to OWNER;`,
    claims: `alter extension EXT add operator family public.int_ops using btree; alter extension EXT add operator class public.int_ops using btree;
      alter extension EXT add function public.icmp(integer, integer);`,
    check: '{ id: c, kind: column_parity, source: app, table: spans, key: [id], old: a, new: b }',
  },
];


/** Planting ran some hooks (an index is built over the rows): start from no traces. */
async function clearTraces(db: TestDatabase): Promise<void> {
  await db.exec('delete from hits');
  await db.exec('select pg_advisory_unlock_all()');
}

/** A role that is no superuser, made once per file (roles are the cluster's) and dropped after it. */
const OWNER = `parity_extowner_${process.pid}`;

const asAdmin = adminQuery;

/**
 * Plants `plant` the way its engine allows: on Postgres the database is given to OWNER, who
 * installs citext (trusted: its script runs as the bootstrap superuser) and claims as its owner;
 * on PGlite OWNER is a plain role of the one session, and the superuser claims for plpgsql.
 */
async function planted(engine: EngineName, plant: Pick<Plant, 'objects' | 'superuser' | 'claims'>): Promise<TestDatabase> {
  const db = await createTestDatabase(engine);
  try {
    await plantIn(db, plant);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

async function plantIn(db: TestDatabase, plant: Pick<Plant, 'objects' | 'superuser' | 'claims'>): Promise<void> {
  const engine = db.engine;
  const forOwner = (sql: string, ext: string) => sql.replaceAll('EXT', ext).replaceAll('OWNER', OWNER);
  if (engine === 'postgres') {
    await db.exec('create extension dblink');
    const url = new URL(db.url);
    await db.exec(`alter database "${url.pathname.slice(1)}" owner to ${OWNER}`);
    url.username = OWNER;
    const owner = postgres(url.toString(), { max: 1, onnotice: () => {} });
    try {
      await owner.unsafe(`create extension citext; ${TABLES} ${markSql(engine)} ${plant.objects}`);
      if (plant.superuser) await db.exec(forOwner(plant.superuser, 'citext'));
      if (plant.claims !== '') await owner.unsafe(forOwner(plant.claims, 'citext'));
      const [claimer] = await owner`select rolsuper from pg_roles where rolname = current_user`;
      expect(claimer?.rolsuper).toBe(false);
    } finally {
      await owner.end();
    }
  } else {
    await db.exec(`create role ${OWNER}; grant create on schema public to ${OWNER};
      set role ${OWNER}; ${TABLES} ${markSql(engine)} ${plant.objects} reset role;`);
    if (plant.superuser) await db.exec(forOwner(plant.superuser, 'plpgsql'));
    if (plant.claims !== '') await db.exec(forOwner(plant.claims, 'plpgsql'));
  }
  await clearTraces(db);
}

describe.each(engines)('objects added to an extension by an owner who is no superuser, on %s', (engine) => {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    if (engine === 'postgres') await asAdmin(`drop role if exists ${OWNER}; create role ${OWNER} login nosuperuser`);
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });
  afterAll(async () => {
    if (engine === 'postgres') await asAdmin(`drop role if exists ${OWNER}`);
  });

  for (const plant of PLANTS) {
    it(`${plant.name}: could not verify, and nothing ran`, async () => {
      db = await planted(engine, plant);
      const result = await runCheck(db, `checks:\n  - ${plant.check}\n`);
      expect({ status: result.status, traces: await hookTraces(db) }).toEqual({ status: 'error', traces: [] });
      expect(result.error?.code).toMatch(/^(stand_in_code|implicit_code)$/);
    });
  }
});

describeOnPostgres("extensions a database owner installs stay the server's own", () => {
  beforeAll(async () => {
    await asAdmin(`drop role if exists ${OWNER}; create role ${OWNER} login nosuperuser`);
  });
  afterAll(async () => {
    await asAdmin(`drop role if exists ${OWNER}`);
  });

  it('citext and hstore installed by a database owner who is no superuser: their functions, operators, casts and operator classes still run', async () => {
    const db = await planted('postgres', {
      objects: `create extension hstore;
        create table tagged (id int primary key, email public.citext, email2 public.citext, h public.hstore);
        insert into tagged values (1, 'A@X', 'A@X', 'a => 1');
        create index tagged_h on tagged using gin (h);
        create index tagged_email on tagged (public.strpos(email, 'x'::public.citext));
        create domain public.ci_word as public.citext check (public.strpos(value, 'q'::public.citext) = 0);
        create view public.v_tagged as select id, email, h -> 'a' as a from tagged where h ? 'a' and public.replace(email2, 'x', 'y') <> '';`,
      claims: '',
    });
    try {
      const members = await db.exec(`select count(*)::int as n, bool_and(r.rolsuper) as superuser from pg_depend e join pg_proc p on p.oid = e.objid
        join pg_roles r on r.oid = p.proowner where e.classid = 'pg_proc'::regclass and e.deptype = 'e' and e.refobjid in (select oid from pg_extension where extname in ('citext', 'hstore'))`);
      expect(members).toEqual([{ n: expect.any(Number), superuser: true }]);
      const checks = [
        NULL_CHECK('v_tagged'),
        `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from tagged where email::public.ci_word = 'a@x' and h -> 'a' = '1' and email::text = 'A@X'", expect: { value: 1 } }`,
        '{ id: c, kind: column_parity, source: app, table: tagged, key: [id], old: email, new: email2 }',
      ];
      for (const check of checks) {
        const result = await runCheck(db, `checks:\n  - ${check}\n`);
        expect([check, result.status, result.error?.message]).toEqual([check, 'pass', undefined]);
      }
    } finally {
      await db.close();
    }
  });
});

/** A superuser's replacement of a built-in's definition, keeping its oid. */
const REPLACED: { name: string; plant: string; check: string }[] = [
  {
    name: 'a SQL built-in replaced by a PL/pgSQL body (lpad)',
    plant: `create or replace function pg_catalog.lpad(text, integer) returns text language plpgsql immutable strict parallel safe as $f$
      begin perform public.mark('lpad'); return $1; end $f$;`,
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where lpad(m, 3) = 'happy'", expect: { value: 1 } }`,
  },
  {
    name: "an internal built-in replaced by a BEGIN ATOMIC body calling a user's function (initcap, inlined)",
    plant: `create function public.hooked(text) returns text language plpgsql immutable strict as $f$ begin perform public.mark('initcap'); return $1; end $f$;
      create or replace function pg_catalog.initcap(text) returns text language sql immutable strict parallel safe begin atomic select public.hooked($1); end;`,
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where initcap(m) = 'happy'", expect: { value: 1 } }`,
  },
];

/** Replacements the catalog shows no trace of (docs/decisions.md): only a per-version fingerprint of pg_proc could tell them. */
const REPLACED_HELD: { name: string; plant: string; check: string }[] = [
  {
    name: 'an internal built-in replaced by a string-bodied SQL body calling a user\'s function (upper, inlined)',
    plant: `create function public.hooked(text) returns text language plpgsql immutable strict as $f$ begin perform public.mark('upper'); return $1; end $f$;
      create or replace function pg_catalog.upper(text) returns text language sql immutable strict parallel safe as 'select public.hooked($1)';`,
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where upper(m) = 'happy'", expect: { value: 1 } }`,
  },
  {
    // A BEGIN ATOMIC body records only its unpinned dependencies: one calling pinned built-ins alone
    // leaves none. Reading every built-in's body for refused calls cost 3–4 ms a read, and the
    // string-bodied form above does the same unseen.
    name: 'a SQL built-in replaced by a BEGIN ATOMIC body calling only pinned built-ins (rpad, pg_try_advisory_lock)',
    plant: `create or replace function pg_catalog.rpad(text, integer) returns text language sql immutable strict parallel safe
      begin atomic select pg_catalog.textcat($1, pg_catalog.substr(pg_catalog.pg_try_advisory_lock(4244)::text, 1, 0)); end;`,
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where rpad(m, 3) = 'happy'", expect: { value: 1 } }`,
  },
];

describe.each(engines)("a built-in's definition replaced by a superuser, on %s", (engine) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  for (const replaced of REPLACED) {
    it(`${replaced.name}: could not verify, and nothing ran`, async () => {
      db = await createTestDatabase(engine);
      await db.exec(`${engine === 'postgres' ? 'create extension dblink;' : ''} ${TABLES} ${markSql(engine)} ${replaced.plant}`);
      await clearTraces(db);
      const result = await runCheck(db, `checks:\n  - ${replaced.check}\n`);
      expect({ status: result.status, code: result.error?.code, traces: await hookTraces(db) }).toEqual({ status: 'error', code: 'stand_in_code', traces: [] });
      expect(result.summary).toMatch(/built-in function pg_catalog\.(lpad\(text, integer\)|initcap\(text\)) replaced/);
    });
  }

  it('a pristine catalog is not taken for a replaced one: a check over lpad, initcap and rpad passes', async () => {
    db = await createTestDatabase(engine);
    await db.exec(TABLES);
    const result = await runCheck(db, `checks:\n  - { id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where lpad(m, 3) = 'hap' and initcap(m) = 'Happy' and rpad(m, 3) = 'hap'", expect: { value: 1 } }\n`);
    expect([result.status, result.error?.message]).toEqual(['pass', undefined]);
  });

  for (const replaced of REPLACED_HELD) {
    it.fails(`held: ${replaced.name} is not seen`, async () => {
      db = await createTestDatabase(engine);
      await db.exec(`${engine === 'postgres' ? 'create extension dblink;' : ''} ${TABLES} ${markSql(engine)} ${replaced.plant}`);
      await clearTraces(db);
      const result = await runCheck(db, `checks:\n  - ${replaced.check}\n`);
      expect(result.status).toBe('error');
    });
  }
});
