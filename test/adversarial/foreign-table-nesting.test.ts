/**
 * Foreign tables reached by names and nestings the earlier cases did not use (from hv-write): a
 * three-part, quoted, mixed-case name, and a foreign partition two partition levels down under a
 * view over a union. Both are refused as `foreign_table` before anything is sent, and the remote
 * view (a loopback to this very database, whose function writes) ran nothing.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { adminQuery, createTestDatabase, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describeOnPostgres('foreign tables reached by names and nestings the earlier cases did not use, on postgres', () => {
  const FDW_OWNER = `parity_hvwfdw_${process.pid}`;
  let db: TestDatabase;
  beforeAll(async () => {
    await adminQuery(`drop role if exists ${FDW_OWNER}; create role ${FDW_OWNER} login nosuperuser`);
    db = await createTestDatabase('postgres');
    const url = new URL(db.url);
    const name = url.pathname.slice(1);
    await db.exec(`create extension postgres_fdw; grant usage on foreign data wrapper postgres_fdw to ${FDW_OWNER};
      alter database "${name}" owner to ${FDW_OWNER}; grant all on schema public to ${FDW_OWNER}`);
    const parityRole = String((await db.exec('select current_user as u'))[0]!.u);
    url.username = FDW_OWNER;
    const owner = postgres(url.toString(), { max: 1, onnotice: () => {} });
    try {
      await owner.unsafe(`
        create table hits (what text);
        create table users (id int primary key, email text);
        insert into users values (1, 'a@x'), (2, 'b@x');
        grant all on hits, users to public;
        create function public.mark(what text) returns boolean language plpgsql volatile as $f$
          begin insert into public.hits values (what); return true; end $f$;
        create view public.remote_users as select id, email from public.users where public.mark('remote view');
        create server loopback foreign data wrapper postgres_fdw options (host '${url.hostname}', port '${url.port || '5432'}', dbname '${name}');
        create user mapping for "${parityRole}" server loopback options (user '${parityRole}');
        create schema "Odd Schema";
        create foreign table "Odd Schema"."Users Remote" (id int, email text) server loopback options (schema_name 'public', table_name 'remote_users');
        -- A foreign table two partition levels down.
        create table public.parted (id int, email text) partition by range (id);
        create table public.parted_mid partition of public.parted for values from (100) to (maxvalue) partition by list (email);
        create table public.parted_low partition of public.parted for values from (minvalue) to (100);
        create foreign table public.parted_deep partition of public.parted_mid default server loopback options (schema_name 'public', table_name 'remote_users');
        create view public.v_union as select id, email from public.users union all select id, email from public.parted;`);
    } finally {
      await owner.end();
    }
  });
  beforeEach(async () => {
    await db.exec('delete from hits');
  });
  afterAll(async () => {
    await db?.close();
    await adminQuery(`drop role if exists ${FDW_OWNER}`);
  });

  const CASES: Record<string, string> = {
    'a three-part, quoted, mixed-case name': `{ id: c, kind: sql_assert, source: app, query: 'select id from "${'${DB}'}"."Odd Schema"."Users Remote" where email is null' }`,
    'a view over a union whose partitioned branch holds a foreign partition two levels down': '{ id: c, kind: null_check, source: app, table: v_union, columns: [email], min_rows: 0 }',
  };
  for (const [label, check] of Object.entries(CASES)) {
    it(`control: ${label} is refused as foreign_table, and nothing is written`, async () => {
      const dbName = new URL(db.url).pathname.slice(1);
      const result = await runCheck(db, `checks:\n  - ${check.replace('${DB}', dbName)}\n`);
      expect(await db.exec('select what from hits')).toEqual([]);
      expect([result.status, result.error?.code], result.summary).toEqual(['error', 'foreign_table']);
    });
  }
});
