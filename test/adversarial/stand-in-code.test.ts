/**
 * Code a verified database holds that a read runs without naming it. The allow-list (src/sql/)
 * judges the names operator SQL writes, but the server binds them by argument types: a
 * `public.lower(varchar)` beats pg_catalog's `lower(text)` for a varchar column, an
 * `=(integer, numeric)` on the path beats pg_catalog's implicit-cast candidates, a cast's function
 * runs on every cast between its types, and a domain's CHECK runs on every value made of that type
 * — including parity's own SQL: column_parity writes enum values through a cast to text, and a
 * chunked scan binds its key bounds as the key's domain. Each planted hook here writes to the
 * verified database through dblink on Postgres (a session lock on PGlite, which has no dblink),
 * and maps every value to one text (a column_parity over 'happy' against 'sad' passed). A read of
 * a database holding such code is now "could not verify" before any of it runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { createServerWatch } from '../../src/runner/server-watch.js';
import { createSourceRegistry } from '../../src/sources/registry.js';
import { createTestDatabase, describeOnPostgres, engines, registryFor, type EngineName, type TestDatabase } from '../support/databases.js';
import { execute } from '../support/run-check.js';

/** Records that a planted hook ran: a row written through a second connection, or a session lock left behind. */
function markSql(engine: EngineName): string {
  return engine === 'postgres'
    ? `create function public.mark(what text) returns boolean language plpgsql volatile as $f$
        begin perform public.dblink_exec('dbname=' || current_database() || ' user=postgres', format('insert into hits values (%L)', what)); return true; end $f$;`
    : `create function public.mark(what text) returns boolean language plpgsql volatile as $f$
        begin perform pg_catalog.pg_advisory_lock(4242); return true; end $f$;`;
}

const TABLES = `
  create table users (id int primary key, email varchar(50), i int, n numeric, m text);
  insert into users values (1, 'A@x', 5, 6, 'happy');
  create type public.mood as enum ('happy', 'sad');
  create table moods (id int primary key, a public.mood, b public.mood);
  insert into moods values (1, 'happy', 'sad');`;

/** Each hook, planted alone, and a check that reaches it. */
const HOOKS: { name: string; plant: string; check: string; scan?: string }[] = [
  {
    name: 'a look-alike overload of a built-in function (operator SQL)',
    plant: `create function public.lower(character varying) returns text language plpgsql volatile as $$
      begin perform public.mark('lower'); return 'a@x'; end $$;`,
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where lower(email) = 'a@x'", expect: { value: 1 } }`,
  },
  {
    name: 'a look-alike operator of exactly the operand types (operator SQL)',
    plant: `create function public.eq(integer, numeric) returns boolean language plpgsql volatile as $$
      begin perform public.mark('eq'); return true; end $$;
      create operator public.= (leftarg = integer, rightarg = numeric, function = public.eq);`,
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where i = n", expect: { value: 1 } }`,
  },
  {
    name: 'a domain whose CHECK calls a function (a cast in a where)',
    plant: `create domain public.checked as text check (public.mark('domain'));`,
    check: `{ id: c, kind: null_check, source: app, table: users, columns: [email], where: "m::public.checked is not null" }`,
  },
  {
    name: 'a cast with a function (operator SQL)',
    plant: `create function public.mood_text(public.mood) returns text language plpgsql volatile as $$
      begin perform public.mark('cast'); return 'same'; end $$;
      create cast (public.mood as text) with function public.mood_text(public.mood);`,
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from moods where a::text = 'same'", expect: { value: 1 } }`,
  },
  {
    name: "a cast with a function (parity's own column_parity over enum columns)",
    plant: `create function public.mood_text(public.mood) returns text language plpgsql volatile as $$
      begin perform public.mark('cast'); return 'same'; end $$;
      create cast (public.mood as text) with function public.mood_text(public.mood);`,
    check: '{ id: c, kind: column_parity, source: app, table: moods, key: [id], old: a, new: b }',
  },
  {
    name: "a domain key whose CHECK calls a function (parity's own chunked scan binds its bounds as the domain)",
    plant: `create domain public.key as int check (public.mark('key'));
      create table keyed (id public.key primary key, v text);
      insert into keyed select g, 'x' from generate_series(1, 300) g;`,
    check: '{ id: c, kind: null_check, source: app, table: keyed, columns: [v] }',
    scan: ', scan: { mode: chunked, chunk_rows: 100 }',
  },
  {
    name: 'a look-alike aggregate of the exact argument type (operator SQL)',
    plant: `create function public.max_step(text, character varying) returns text language plpgsql volatile as $$
      begin perform public.mark('aggregate'); return 'a@x'; end $$;
      create aggregate public.max(character varying) (sfunc = public.max_step, stype = text);`,
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where (select max(email) from users) = 'a@x'", expect: { value: 1 } }`,
  },
  {
    name: "a look-alike overload made inside pg_catalog itself (a superuser's; pg_catalog is searched first)",
    plant: `create function pg_catalog.lower(character varying) returns text language plpgsql volatile as $$
      begin perform public.mark('lower'); return 'a@x'; end $$;`,
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where lower(email) = 'a@x'", expect: { value: 1 } }`,
  },
  {
    name: 'a look-alike operator made inside pg_catalog itself',
    plant: `create function public.eq(integer, numeric) returns boolean language plpgsql volatile as $$
      begin perform public.mark('eq'); return true; end $$;
      create operator pg_catalog.= (leftarg = integer, rightarg = numeric, function = public.eq);`,
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from users where i = n", expect: { value: 1 } }`,
  },
  {
    name: "a default operator class for a type, in a schema off the search_path (parity's own array comparison reaches its = through the type)",
    plant: `create schema hidden;
      create function public.peq(point, point) returns boolean language plpgsql volatile as $$ begin perform public.mark('opclass'); return true; end $$;
      create function public.plt(point, point) returns boolean language plpgsql volatile as $$ begin return false; end $$;
      create function public.pcmp(point, point) returns int language plpgsql volatile as $$ begin return 0; end $$;
      create operator hidden.= (leftarg = point, rightarg = point, function = public.peq);
      create operator hidden.< (leftarg = point, rightarg = point, function = public.plt);
      create operator hidden.<= (leftarg = point, rightarg = point, function = public.peq);
      create operator hidden.> (leftarg = point, rightarg = point, function = public.plt);
      create operator hidden.>= (leftarg = point, rightarg = point, function = public.peq);
      create operator class hidden.point_ops default for type point using btree as
        operator 1 hidden.<, operator 2 hidden.<=, operator 3 hidden.=, operator 4 hidden.>=, operator 5 hidden.>, function 1 public.pcmp(point, point);
      create table spots (id int primary key, a point[], b point[]);
      insert into spots values (1, array[point(1, 2)], array[point(3, 4)]);`,
    check: '{ id: c, kind: column_parity, source: app, table: spots, key: [id], old: a, new: b }',
  },
  {
    name: "a range type ordered by a user's operator class (parity's own range comparison calls its support function)",
    plant: `create schema hidden;
      create function public.icmp(integer, integer) returns int language plpgsql immutable as $$
        begin perform public.mark('subtype_opclass'); return case when $1 < $2 then -1 when $1 > $2 then 1 else 0 end; end $$;
      create operator class hidden.int_ops for type integer using btree as
        operator 1 pg_catalog.<, operator 2 pg_catalog.<=, operator 3 pg_catalog.=, operator 4 pg_catalog.>=, operator 5 pg_catalog.>, function 1 public.icmp(integer, integer);
      create type public.span as range (subtype = integer, subtype_opclass = hidden.int_ops);
      create table spans (id int primary key, a public.span, b public.span);
      insert into spans values (1, '[1,3)', '[5,9)');`,
    check: '{ id: c, kind: column_parity, source: app, table: spans, key: [id], old: a, new: b }',
  },
  {
    name: "a range type's subtype_diff (the planner calls it to estimate a range condition)",
    plant: `create function public.idiff(integer, integer) returns float8 language plpgsql immutable as $$
        begin perform public.mark('subtype_diff'); return $1 - $2; end $$;
      create type public.span as range (subtype = integer, subtype_diff = public.idiff);
      create table spans (id int primary key, a public.span);
      insert into spans select g, pg_catalog.int4range(g, g + 5)::text::public.span from generate_series(1, 500) g;
      analyze spans;`,
    check: `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from spans where a && '[1,10)'", expect: { value: 10 } }`,
  },
];

async function run(db: TestDatabase, check: string, scan = '') {
  const parsed = parseCheckFile(`sources:\n  app: { url: "${db.url}"${scan} }\nchecks:\n  - ${check}\n`, 'stand-ins.yaml', {});
  if (Array.isArray(parsed)) throw new Error(JSON.stringify(parsed));
  const catalog = buildCatalog([parsed]);
  if (Array.isArray(catalog)) throw new Error(JSON.stringify(catalog));
  const registry = createSourceRegistry(catalog.sources, { dataDir: db.dataDir });
  try {
    return await execute([...catalog.checks.values()][0]!, registry);
  } finally {
    await registry.closeAll();
  }
}

/** What the hooks left: rows written (Postgres) or advisory locks held (PGlite's one session). */
async function traces(db: TestDatabase): Promise<unknown[]> {
  return db.engine === 'postgres'
    ? (await db.exec('select what from hits')).map((r) => r.what)
    : (await db.exec("select objid from pg_locks where locktype = 'advisory'")).map((r) => r.objid);
}

describe.each(engines)('code a read would run without naming it, on %s', (engine) => {
  let db: TestDatabase | undefined;
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });

  for (const hook of HOOKS) {
    it(`${hook.name}: could not verify, and nothing ran`, async () => {
      db = await createTestDatabase(engine);
      await db.exec(`create table hits (what text); ${engine === 'postgres' ? 'create extension dblink;' : ''}`);
      await db.exec(`${TABLES}\n${markSql(engine)}\n${hook.plant}`);
      // Planting ran the hook (the domain key's rows were checked): start from no traces.
      await db.exec(engine === 'postgres' ? 'delete from hits' : 'select pg_advisory_unlock_all()');
      const result = await run(db, hook.check, hook.scan);
      expect({ status: result.status, code: result.error?.code, traces: await traces(db) }).toEqual({ status: 'error', code: 'stand_in_code', traces: [] });
      expect(result.summary).toMatch(/public\.|pg_catalog\.|hidden\.|operator family|range type|mood|checked|key/);
    });
  }

  it('user code a read cannot reach unnamed is no reason to refuse: a helper of its own name, a domain checked by built-ins, a range type (its constructors and its cast to its multirange are the server\'s own)', async () => {
    db = await createTestDatabase(engine);
    await db.exec(`${TABLES}
      create type public.floatrange as range (subtype = float8, multirange_type_name = floatmultirange);
      create function public.app_helper(text) returns text language sql as 'select $1';
      create domain public.positive as int check (value > 0);
      create table keyed (id public.positive primary key, v text);
      insert into keyed select g, 'x' from generate_series(1, 300) g;`);
    const parity = await run(db, '{ id: c, kind: column_parity, source: app, table: moods, key: [id], old: a, new: b }');
    expect([parity.status, parity.observations]).toMatchObject(['fail', { mismatches: 1 }]);
    const chunked = await run(db, '{ id: c, kind: null_check, source: app, table: keyed, columns: [v] }', ', scan: { mode: chunked, chunk_rows: 100 }');
    expect(chunked.status).toBe('pass');
  });
});

describe.each(engines)('how often a run looks for stand-in code, on %s', (engine) => {
  it('every read until one of the run has looked on that source and gone through; a refused read does not count', async () => {
    const db = await createTestDatabase(engine);
    const registry = registryFor(db);
    try {
      await db.exec(TABLES);
      const source = await registry.get('app');
      const read = (watch?: ReturnType<typeof createServerWatch>) => source.readOnly((session) => session.query({ text: 'select count(*)::int as n from users', params: [] }), { statementTimeoutMs: 10_000, server: watch });
      const plant = () => db.exec(`create function public.lower(character varying) returns text language sql as 'select ''x''';`);
      const unplant = () => db.exec('drop function public.lower(character varying)');

      // Planted before the run's first read: that read is refused, and so is the next (nothing went through).
      await plant();
      const refused = createServerWatch('app');
      for (let i = 0; i < 2; i++) await expect(read(refused)).rejects.toMatchObject({ code: 'stand_in_code' });
      expect(refused.needsStandInGuard()).toBe(true);

      // Clean at the run's first read: later reads of that run no longer look (the cost is per run).
      await unplant();
      const run = createServerWatch('app');
      expect(await read(run)).toEqual([{ n: 1 }]);
      expect(run.needsStandInGuard()).toBe(false);
      await plant();
      expect(await read(run)).toEqual([{ n: 1 }]);
      // The next run looks again, and so does any read outside a run.
      await expect(read(createServerWatch('app'))).rejects.toMatchObject({ code: 'stand_in_code' });
      await expect(read()).rejects.toMatchObject({ code: 'stand_in_code' });
    } finally {
      await registry.closeAll();
      await db.close();
    }
  });
});

describeOnPostgres('extension code is not user code', () => {
  it('citext and hstore in public, with their functions named like built-ins, leave checks running', async () => {
    const db = await createTestDatabase('postgres');
    try {
      await db.exec(`create extension citext; create extension hstore;
        create table t (id int primary key, a citext, b citext);
        insert into t values (1, 'X', 'x');`);
      const result = await run(db, `{ id: c, kind: sql_assert, source: app, query: "select count(*) as v from t where replace(a, 'X', 'y') = 'y'", expect: { value: 1 } }`);
      expect([result.status, result.summary]).toEqual(['pass', expect.any(String)]);
    } finally {
      await db.close();
    }
  });
});
