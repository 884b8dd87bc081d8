/**
 * Statements parity's driver sends on a new connection, before any read's BEGIN READ ONLY, pinning
 * or stand-in guard: postgres.js asks every new connection for the server's array types
 * (`... on b.oid = a.typelem where a.typcategory = 'A'`), with unqualified operators, under the
 * database's own search_path. A database owner who is no superuser can set that path
 * (`alter database … set search_path = evil, pg_catalog`) and put an `=(oid, oid)` in `evil`:
 * the driver's query then runs the owner's function in parity's session, as parity's role, before
 * any guard has looked. The stand-in guard refuses the database afterwards, but the code has run.
 * Here the hook writes a row through dblink (parity reads as a superuser in these tests) and takes
 * a session advisory lock; neither may happen. The same holds for parity's own pinning statement,
 * parsed (its types resolved) under that path before its first column puts pg_catalog first: a
 * domain `evil.text` whose CHECK writes ran as the statement cast to `text`.
 */
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { adminQuery, createTestDatabase, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { hookTraces } from '../support/hook-traces.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

const OWNER = `parity_connowner_${process.pid}`;

const asAdmin = adminQuery;

/** The database, given to OWNER, who plants `objects` (MARK records that a hook ran). */
async function planted(objects: string, path: string): Promise<TestDatabase> {
  const db = await createTestDatabase('postgres');
  await db.exec('create extension dblink');
  const url = new URL(db.url);
  const name = url.pathname.slice(1);
  await db.exec(`alter database "${name}" owner to ${OWNER}; grant all on schema public to ${OWNER}`);
  url.username = OWNER;
  const owner = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    await owner.unsafe(`
      create table hits (what text);
      create table users (id int primary key, email text);
      insert into users values (1, 'a@x');
      create function public.mark(what text) returns boolean language plpgsql volatile as $f$
        begin
          -- Once a session: the driver's join calls an operator once a row.
          if pg_catalog.current_setting('trap.marked', true) is not distinct from 'y' then return true; end if;
          perform pg_catalog.set_config('trap.marked', 'y', false);
          perform pg_catalog.pg_advisory_lock(4242);
          if (select r.rolsuper from pg_catalog.pg_roles r where r.rolname operator(pg_catalog.=) current_user) then
            perform public.dblink_exec('dbname=' || current_database() || ' user=postgres', pg_catalog.format('insert into hits values (%L)', what));
          end if;
          return true;
        end $f$;
      ${objects}
      alter database "${name}" set search_path = ${path};`);
    const [me] = await owner`select rolsuper from pg_roles where rolname = current_user`;
    expect(me?.rolsuper).toBe(false);
  } finally {
    await owner.end();
  }
  return db;
}

describeOnPostgres('code resolved through the database\'s search_path before any read is guarded, on postgres', () => {
  let db: TestDatabase | undefined;
  beforeAll(() => asAdmin(`drop role if exists ${OWNER}; create role ${OWNER} login nosuperuser`));
  afterEach(async () => {
    await db?.close();
    db = undefined;
  });
  afterAll(() => asAdmin(`drop role if exists ${OWNER}`));

  /** A null_check of the planted database: not a pass, and no hook ran, while the source is open and after. */
  async function expectNothingRan(planted: TestDatabase): Promise<void> {
    const catalog = catalogFromYaml(`checks:
  - { id: c, kind: null_check, source: app, table: users, columns: [email] }
`, { app: planted });
    const registry = registryForCatalog(catalog, { app: planted });
    try {
      const result = await execute([...catalog.checks.values()][0]!, registry);
      expect(result.status).not.toBe('pass');
      // Before the source is closed: a session lock parity's connection took is still held.
      expect(await hookTraces(planted)).toEqual([]);
    } finally {
      await registry.closeAll();
    }
    expect(await hookTraces(planted)).toEqual([]);
  }

  it("a look-alike =(oid, oid) on the database's search_path never runs when parity connects", async () => {
    db = await planted(`
      create schema evil;
      create function evil.oideq(a oid, b oid) returns boolean language plpgsql stable as $f$
        begin perform public.mark('=(oid, oid) on connect'); return a operator(pg_catalog.=) b; end $f$;
      create operator evil.= (leftarg = oid, rightarg = oid, function = evil.oideq);`, 'evil, pg_catalog, public');
    await expectNothingRan(db);
  });

  it("a domain named text on the database's search_path never runs: parity's own statements resolve `::text` through that path before they pin it", async () => {
    // No look-alike the driver's connect query meets: the domain is met by parity's statements,
    // which are parsed (types resolved) under the database's path, before their own set_config puts
    // pg_catalog first and before the stand-in guard's verdict (a later column of the same statement).
    db = await planted(`
      create schema evil;
      create domain evil.text as pg_catalog.text check (public.mark('domain text'));`, 'evil, pg_catalog, public');
    await expectNothingRan(db);
  });
});
