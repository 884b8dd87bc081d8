/**
 * Review rv-writes: variants of the latest fixes (writes through the read path, gate evidence,
 * the sql_assert data witness, never_null fills).
 *
 * 1. Writes. The implicit-code and type-code guards let a read run a non-volatile function of an
 *    extension a superuser owns (installed-code.ts), and the stand-in guard (pinning.ts STAND_INS)
 *    refuses a user function on the read's search_path only when it is named like a pg_catalog
 *    built-in. An extension's LANGUAGE SQL function whose body names other functions unqualified
 *    (earthdistance: earth(), sec_to_gc(), gc_to_sec(), cube_…; xml2: xpath_list/xpath_nodeset)
 *    resolves them through the caller's search_path when it runs, and reads keep the role's own
 *    path after pg_catalog: a function in a schema earlier on that path — the reading role's own
 *    "$user" schema, first on the default path, needs no setting changed — answers instead, and
 *    writes through dblink on every read (a view's definition, a domain CHECK the data witness's
 *    casts run). docs/decisions.md names the class as held (CVE-2018-1058, "the guard does not read
 *    extension bodies"); no test covered it. Sound outcome: nothing written.
 * 2. never_null: a fill from a column every partition keeps non-NULL, read through the partitioned
 *    parent (regression cover: refused today).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, createTestDatabase, describeOnPostgres, engines, type TestDatabase } from '../support/databases.js';
import { runCheck, statusOfCheck } from '../support/run-check.js';

const MARK = `create table hits (what text); create extension dblink;
  create function public.mark(what text) returns boolean language plpgsql volatile as $f$
    begin perform public.dblink_exec('dbname=' || current_database() || ' user=postgres', format('insert into hits values (%L)', what)); return true; end $f$;
  create table users (id int primary key, email text, i int);
  insert into users values (1, 'a@x', 5), (2, 'b@x', 6);`;

const traces = async (db: TestDatabase) => (await db.exec('select what from hits')).map((r) => r.what);
const dbName = (db: TestDatabase) => new URL(db.url).pathname.slice(1);

describeOnPostgres('writes: an installed (superuser-owned extension) SQL function naming other functions unqualified, on postgres', () => {
  let db: TestDatabase | undefined;
  afterEach(async () => { await db?.close(); db = undefined; });

  /** A function of the reading role's own schema ("$user", first on the default search_path) or of a schema the database's path puts first. */
  const shadow = (schema: string, fn: string, args: string, returns: string) => `create schema if not exists ${schema};
    create function ${schema}.${fn}(${args}) returns ${returns} language plpgsql volatile as $f$ begin perform public.mark('${fn}'); return ${returns === 'text' ? "'x'" : '1'}; end $f$;`;

  it.each([
    ['earthdistance earth_distance → sec_to_gc, a view read by null_check, the database search_path evil, public', 'evil',
      `create extension cube; create extension earthdistance; ${shadow('evil', 'sec_to_gc', 'float8', 'float8')}
       create view public.v_users as select u.* from users u where public.earth_distance(public.ll_to_earth(u.i, 0), public.ll_to_earth(0, 0)) >= 0;`,
      '{ id: c, kind: null_check, source: app, table: v_users, columns: [email] }'],
    ['earthdistance earth_distance → sec_to_gc, a view read by sql_assert, the role\'s own "$user" schema (no setting changed)', undefined,
      `create extension cube; create extension earthdistance; ${shadow('postgres', 'sec_to_gc', 'float8', 'float8')}
       create view public.v_users as select u.* from users u where public.earth_distance(public.ll_to_earth(u.i, 0), public.ll_to_earth(0, 0)) >= 0;`,
      '{ id: c, kind: sql_assert, source: app, query: "select id from v_users where email is null" }'],
    ['earthdistance gc_to_sec → earth(), in a domain CHECK of a column the sql_assert reads (no view)', undefined,
      `create extension cube; create extension earthdistance; ${shadow('postgres', 'earth', '', 'float8')}
       create domain d_i as int check (public.gc_to_sec(value) >= 0);
       create table scores (id int primary key, i d_i); insert into scores values (1, 5), (2, 6);`,
      '{ id: c, kind: sql_assert, source: app, query: "select id from scores where i < 0" }'],
    ['xml2 xpath_list(text, text) → xpath_list(text, text, text), a view read by row_count', undefined,
      `create extension xml2; ${shadow('postgres', 'xpath_list', 'text, text, text', 'text')}
       create view public.v_users as select u.* from users u where public.xpath_list('<a>' || u.email || '</a>', '/a') <> '';`,
      '{ id: c, kind: row_count, old: { source: app, table: v_users }, new: { source: app, table: users, where: "id > 0" } }'],
  ])('%s: writes nothing and does not pass', async (_name, pathSchema, setup, check) => {
    db = await createTestDatabase('postgres');
    await db.exec(MARK);
    await db.exec(setup);
    if (pathSchema !== undefined) await db.exec(`alter database ${dbName(db)} set search_path = ${pathSchema}, public`);
    await db.exec('delete from hits');
    const status = await runCheck(db, `checks:\n  - ${check}\n`).then((r) => `${r.status} ${r.error?.code ?? ''} ${r.summary}`, (e: Error) => `refused at load: ${e.message}`);
    expect({ status, traces: await traces(db) }).toEqual({ status: expect.not.stringMatching(/^pass/), traces: [] });
  });
});

/**
 * fx-shadowed: more of the class. Whatever resolves an extension's unqualified names at run time
 * (a SQL or PL body, a C function's lookup) reads the reader's search_path: a function, operator or
 * type of a user on it, named like any installed one (pg_catalog's or an extension's), refuses the
 * read before anything runs. Each row: setup, then settings made after it (`DB` names the database),
 * and a check that would reach the shadow.
 */
describeOnPostgres('writes: shadows of an installed function, operator, type or relation on the reader\'s search_path, on postgres', () => {
  let db: TestDatabase | undefined;
  afterEach(async () => { await db?.close(); db = undefined; });

  const shadow = (schema: string, fn: string, args: string, returns: string) => `create schema if not exists ${schema};
    create function ${schema}.${fn}(${args}) returns ${returns} language plpgsql volatile as $f$ begin perform public.mark('${fn}'); return ${returns === 'text' ? "'x'" : '1'}; end $f$;`;
  const EARTH = 'create extension cube; create extension earthdistance;';
  const VIEW = `create view public.v_users as select u.* from users u where public.earth_distance(public.ll_to_earth(u.i, 0), public.ll_to_earth(0, 0)) >= 0;`;
  const ASSERT_VIEW = '{ id: c, kind: sql_assert, source: app, query: "select id from v_users where email is null" }';

  it.each([
    ['a role-in-database search_path (alter role … in database … set search_path = evil, public), earth() shadowed, a view read by sql_assert',
      `${EARTH} ${shadow('evil', 'earth', '', 'float8')} ${VIEW}`, 'alter role postgres in database DB set search_path = evil, public', ASSERT_VIEW],
    ['a database search_path with the shadow AFTER public (public, evil): cube_ll_coord of another arity is no match, but sec_to_gc\'s operator `2*earth()` (integer * float8) is: evil.*(integer, float8)',
      `${EARTH} create schema evil; create function evil.times(integer, float8) returns float8 language plpgsql volatile as $f$ begin perform public.mark('times'); return $1::float8 operator(pg_catalog.*) $2; end $f$;
       create operator evil.* (leftarg = integer, rightarg = float8, function = evil.times); ${VIEW}`,
      'alter database DB set search_path = public, evil', ASSERT_VIEW],
    ['the "$user" schema: an operator shadowing `*(integer, float8)` inside gc_to_sec, in a domain CHECK the sql_assert reads',
      `${EARTH} create schema postgres; create function postgres.times(integer, float8) returns float8 language plpgsql volatile as $f$ begin perform public.mark('times'); return $1::float8 operator(pg_catalog.*) $2; end $f$;
       create operator postgres.* (leftarg = integer, rightarg = float8, function = postgres.times);
       create domain d_i as int check (public.gc_to_sec(value) >= 0);
       create table scores (id int primary key, i d_i); insert into scores values (1, 5), (2, 6);`,
      '', '{ id: c, kind: sql_assert, source: app, query: "select id from scores where i < 0" }'],
    ['the "$user" schema: cube_ll_coord(cube, integer) shadowed, latitude(earth) in a view read by null_check',
      `${EARTH} ${shadow('postgres', 'cube_ll_coord', 'public.cube, integer', 'float8')}
       create view public.v_users as select u.* from users u where public.latitude(public.ll_to_earth(u.i, 0)) >= -90;`,
      '', '{ id: c, kind: null_check, source: app, table: v_users, columns: [email] }'],
    ['a database search_path: xpath_nodeset(text, text, text, text) shadowed, in a domain CHECK the sql_assert reads',
      `create extension xml2; ${shadow('evil', 'xpath_nodeset', 'text, text, text, text', 'text')}
       create domain d_x as text check (public.xpath_nodeset('<a>' || value || '</a>', '/a') is not null);
       create table docs (id int primary key, x d_x); insert into docs values (1, 'a'), (2, 'b');`,
      'alter database DB set search_path = evil, public', '{ id: c, kind: sql_assert, source: app, query: "select id from docs where x is null" }'],
    ['a type shadow: a domain "$user".earth over cube, which ll_to_earth\'s `::earth` names (no user function runs, but the extension\'s body no longer means what it was made to)',
      `${EARTH} create schema postgres; create domain postgres.earth as public.cube; ${VIEW}`, '', ASSERT_VIEW],
    ['a type-and-cast shadow: a composite "$user".earth with an INOUT cast from cube',
      `${EARTH} create schema postgres; create type postgres.earth as (x float8, y float8, z float8);
       create cast (public.cube as postgres.earth) with inout as implicit; ${VIEW}`, '', ASSERT_VIEW],
    ['a relation shadow: a "$user" table named like an extension\'s type (dblink_pkey_results)',
      `create schema postgres; create table postgres.dblink_pkey_results (position int, colname text);`, '', ASSERT_VIEW.replace('v_users', 'users')],
    ['an installed function\'s own SET search_path (a superuser set it) naming a schema off the reader\'s path: sec_to_gc shadowed there',
      `${EARTH} ${shadow('hooks', 'sec_to_gc', 'float8', 'float8')} alter function public.earth_distance(public.earth, public.earth) set search_path = hooks, public; ${VIEW}`,
      '', ASSERT_VIEW],
  ])('%s: writes nothing and does not pass', async (_name, setup, settings, check) => {
    db = await createTestDatabase('postgres');
    await db.exec(MARK);
    await db.exec(setup);
    if (settings !== '') await db.exec(settings.replace('DB', dbName(db)));
    await db.exec('delete from hits');
    const status = await runCheck(db, `checks:\n  - ${check}\n`).then((r) => `${r.status} ${r.error?.code ?? ''} ${r.summary}`, (e: Error) => `refused at load: ${e.message}`);
    expect({ status, traces: await traces(db) }).toEqual({ status: expect.stringMatching(/^error stand_in_code /), traces: [] });
  });

  it('a reading role that is no superuser, its own search_path set on the role (alter role … set search_path), its own schema shadowing earth()', async () => {
    db = await createTestDatabase('postgres');
    const role = `fxs_${dbName(db).slice(-12)}`;
    await adminQuery(`create role ${role} login`);
    try {
      await db.exec(`${MARK} ${EARTH} alter function public.mark(text) security definer;
        create schema mine authorization ${role}; grant usage on schema public to ${role}; grant select on users to ${role};
        ${VIEW} grant select on public.v_users to ${role};`);
      await db.exec(`set role ${role}; create function mine.earth() returns float8 language plpgsql volatile as $f$ begin perform public.mark('earth'); return 1; end $f$; reset role;`);
      await adminQuery(`alter role ${role} set search_path = mine, public`);
      await db.exec('delete from hits');
      const reader = { ...db, url: db.url.replace('postgres@', `${role}@`) };
      const status = await runCheck(reader, `checks:\n  - ${ASSERT_VIEW}\n`).then((r) => `${r.status} ${r.error?.code ?? ''} ${r.summary}`, (e: Error) => `refused at load: ${e.message}`);
      expect({ status, traces: await traces(db) }).toEqual({ status: expect.stringMatching(/^error stand_in_code .*mine\.earth\(\)/), traces: [] });
    } finally {
      await db.close();
      db = undefined;
      await adminQuery(`drop role if exists ${role}`);
    }
  });

  it.each([
    ['earth_distance with nothing shadowing it, a view read by sql_assert', `${EARTH} ${VIEW}`, '', ASSERT_VIEW],
    ['earth_distance with a "$user" function and a database-path function of names nothing installed has', `${EARTH} ${shadow('postgres', 'app_helper', '', 'float8')} ${shadow('evil', 'app_helper_two', '', 'float8')} ${VIEW}`,
      'alter database DB set search_path = evil, "$user", public', ASSERT_VIEW],
    ['xml2\'s xpath_list with a user table and a user type of names nothing installed has on the path', `create extension xml2; create schema postgres; create table postgres.notes (id int); create type postgres.tone as enum ('a');
       create view public.v_users as select u.* from users u where public.xpath_list('<a>' || u.email || '</a>', '/a') <> '';`, '',
      '{ id: c, kind: row_count, old: { source: app, table: v_users }, new: { source: app, table: users, where: "id > 0" } }'],
  ])('still runs: %s', async (_name, setup, settings, check) => {
    db = await createTestDatabase('postgres');
    await db.exec(MARK);
    await db.exec(setup);
    if (settings !== '') await db.exec(settings.replace('DB', dbName(db)));
    const result = await runCheck(db, `checks:\n  - ${check}\n`);
    expect([result.status, result.error?.code, await traces(db)]).toEqual(['pass', undefined, []]);
  });
});

const PARTITION_GUARANTEES: [string, string, string][] = [
  ['a CHECK (nick is not null) on its only partition', 'p_check', `create table p_check (id int, name text, nick text) partition by range (id);
    create table p_check_all partition of p_check (constraint nick_kept check (nick is not null)) for values from (minvalue) to (maxvalue);`],
  ['a BEFORE ROW trigger filling nick on its only partition', 'p_trig', `create table p_trig (id int, name text, nick text) partition by range (id);
    create table p_trig_all partition of p_trig for values from (minvalue) to (maxvalue);
    create trigger t_fill before insert or update on p_trig_all for each row execute function rv_fill_nick();`],
  ['its only partition sub-partitioned by range (nick) (a range key is never NULL)', 'p_sub', `create table p_sub (id int, name text, nick text) partition by range (id);
    create table p_sub_all partition of p_sub for values from (minvalue) to (maxvalue) partition by range (nick);
    create table p_sub_leaf partition of p_sub_all for values from (minvalue) to (maxvalue);`],
  ['a NOT NULL on each of its two partitions', 'p_nn', `create table p_nn (id int, name text, nick text) partition by list ((id % 2));
    create table p_nn_even partition of p_nn (nick not null) for values in (0);
    create table p_nn_odd partition of p_nn (nick not null) for values in (1);`],
];

describe.each(engines)('never_null: a fill from a column every partition keeps non-NULL, read through the partitioned parent, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create function rv_fill_nick() returns trigger language plpgsql as $$ begin new.nick := coalesce(new.nick, 'nick'); return new; end $$;`);
    for (const [, table, ddl] of PARTITION_GUARANTEES) {
      await db.exec(`${ddl}
        insert into ${table} (id, name, nick) select g, case when g % 2 = 0 then 'Ada' end, 'nick' from generate_series(1, 100) g;
        create view ${table}_filled as select id, coalesce(name, nick) as name from ${table};`);
    }
  });
  afterAll(() => db?.close());

  it.each(PARTITION_GUARANTEES)('does not pass over 50 NULL names filled from nick under %s', async (_name, table) => {
    const [{ nulls }] = (await db.exec(`select count(*)::int as nulls from ${table} where name is null`)) as [{ nulls: number }];
    expect(nulls).toBe(50);
    const status = await statusOfCheck(db, `{ id: c, kind: null_check, source: app, table: ${table}_filled, columns: [name] }`);
    expect(status, status).toMatch(/^error never_null/);
  });
});
