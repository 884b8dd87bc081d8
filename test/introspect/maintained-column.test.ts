/**
 * Incremental mode trusts a column only where the catalog proves it is set to the current time on
 * every write. Each case below once passed a text search of the trigger's body (or a check of the
 * table alone) while the column was not maintained: every one must now be refused, on a real
 * server's catalog — and the ordinary trigger must still be accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnWritesOf, isCurrentTimeDefault } from '../../src/introspect/trigger-function.js';
import { judgeColumnMaintenance, planColumnMaintenance } from '../../src/introspect/maintained-column.js';
import { compile } from '../../src/sql/build.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

const fn = (body: string, declare = '') => `CREATE OR REPLACE FUNCTION public.f()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$ ${declare} begin ${body} end $function$`;

describe('reading a trigger function (PL/pgSQL parser)', () => {
  it('accepts one unconditional assignment of the current time, in its usual spellings', () => {
    for (const body of [
      'new.updated_at := now(); return new;',
      'NEW . "updated_at" = clock_timestamp(); RETURN NEW;',
      'new.updated_at := pg_catalog.now()::timestamptz; return new;',
      "new.updated_at := now(); if tg_op = 'DELETE' then return old; end if; if new.a < 0 then return null; end if; return new;",
      "raise notice 'x'; perform 1; new.updated_at := current_timestamp; return new;",
      'begin new.updated_at := statement_timestamp(); end; return new;',
      'if new.a is null then new.a := 0; end if; new.updated_at := transaction_timestamp(); return new;',
    ]) expect(columnWritesOf(fn(body), 'updated_at'), body).toMatchObject({ stampsColumn: true, mayOverwrite: false });
  });

  it('refuses every assignment that is conditional, skippable, overwritten or not the current time', () => {
    for (const body of [
      '-- new.updated_at := now();\n return new;', // a comment
      "perform 'new.updated_at := now()'; return new;", // a string
      'if tg_op = \'UPDATE\' then new.updated_at := now(); end if; return new;',
      'if new.a is distinct from old.a then return new; end if; new.updated_at := now(); return new;', // early return
      'return new; new.updated_at := now();', // unreachable
      'new.updated_at := now(); new.updated_at := old.updated_at; return new;', // overwritten
      'new.updated_at := now(); new := old; return new;', // whole row replaced
      'new.updated_at := now(); select old.updated_at into new.updated_at; return new;',
      "new.updated_at := now() - interval '1 day'; return new;", // in the past
      'new.updated_at := old.updated_at; return new;',
      'new.updated_at := now() from pg_class where false; return new;', // assigns NULL
      "new.updated_at := current_timestamp(0); return new;", // rounded
      'new.updated_at := coalesce(new.updated_at, now()); return new;', // keeps what the writer sent
      'for i in 1..1 loop new.updated_at := now(); end loop; return new;',
      '<<b>> begin exit b; new.updated_at := now(); end; return new;',
      'new.updated_at := now(); r := new; r.updated_at := old.updated_at; return r;', // returns another record
    ]) {
      expect(columnWritesOf(fn(body, 'declare i int; r record;'), 'updated_at').stampsColumn, body).toBe(false);
    }
    // The outermost block has a handler: an error before the stamp resumes in it, skipping the stamp.
    expect(columnWritesOf(fn("new.updated_at := now(); return new; exception when others then return new;"), 'updated_at').stampsColumn).toBe(false);
  });

  it('follows aliases of NEW and tells a function that never writes the column from one that might', () => {
    expect(columnWritesOf(fn('n.updated_at := now(); return new;', 'declare n alias for new;'), 'updated_at').stampsColumn).toBe(true);
    expect(columnWritesOf(fn('n.updated_at := old.updated_at; return new;', 'declare n alias for new;'), 'updated_at').mayOverwrite).toBe(true);
    expect(columnWritesOf(fn('new.a := 1; return new;'), 'updated_at')).toMatchObject({ stampsColumn: false, mayOverwrite: false });
    expect(columnWritesOf(fn('new := old; return new;'), 'updated_at').mayOverwrite).toBe(true);
    expect(columnWritesOf('not a function', 'updated_at')).toMatchObject({ stampsColumn: false, mayOverwrite: true });
  });

  it('takes only the current time as a DEFAULT', () => {
    expect(['now()', 'CURRENT_TIMESTAMP', 'clock_timestamp()'].every(isCurrentTimeDefault)).toBe(true);
    expect(["'2000-01-01 00:00:00+00'::timestamp with time zone", "(now() - '1 day'::interval)", 'now() from pg_class'].some(isCurrentTimeDefault)).toBe(false);
  });
});

describe.each(engines)('the catalog of a real server (%s)', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(engine); });
  afterAll(async () => { await db?.close(); });

  async function judge(table = 't') {
    const { text, params } = compile(planColumnMaintenance({ schema: 'public', name: table }, 'updated_at'));
    return judgeColumnMaintenance((await db.exec(text, params))[0], 'updated_at');
  }
  const STAMP = 'create or replace function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;';
  async function table(extra = '', name = 't') {
    await db.exec(`drop table if exists ${name} cascade; create table ${name} (id int primary key, a int, updated_at timestamptz not null default now()); ${STAMP} ${extra}`);
  }

  it('accepts the ordinary trigger and states the replica-role assumption', async () => {
    await table('create trigger t_stamp before insert or update on t for each row execute function stamp();');
    const judged = await judge();
    expect(judged).toMatchObject({ maintained: true, updateTrigger: 't_stamp', insertCoveredBy: { trigger: 't_stamp' } });
    expect(judged.description).toMatch(/session_replication_role = replica/);
    await db.exec('alter table t enable always trigger t_stamp');
    expect((await judge()).description).not.toMatch(/session_replication_role/);
  });

  it('refuses a conditional stamp, a comment, and a later trigger that puts the old value back', async () => {
    await table(`create or replace function cond() returns trigger language plpgsql as $$ begin if new.a > 0 then new.updated_at := now(); end if; return new; end $$;
      create trigger t_cond before insert or update on t for each row execute function cond();`);
    expect(await judge()).toMatchObject({ maintained: false });
    await table(`create or replace function commented() returns trigger language plpgsql as $$ begin /* new.updated_at := now(); */ return new; end $$;
      create trigger t_c before insert or update on t for each row execute function commented();`);
    expect(await judge()).toMatchObject({ maintained: false });
    await table(`create or replace function undo() returns trigger language plpgsql as $$ begin if tg_op = 'UPDATE' then new.updated_at := old.updated_at; end if; return new; end $$;
      create trigger a_stamp before insert or update on t for each row execute function stamp();
      create trigger b_undo before insert or update on t for each row execute function undo();`);
    const undone = await judge();
    expect(undone.maintained).toBe(false);
    expect(undone.description).toMatch(/b_undo fires after a_stamp/);
    // Fired before the stamp instead, the same function is harmless.
    await db.exec('alter trigger b_undo on t rename to _undo');
    expect((await judge()).maintained).toBe(true);
  });

  it('takes no DEFAULT as covering INSERTs; a later trigger that never writes the column is harmless', async () => {
    await table(`alter table t alter column updated_at set default '2000-01-01';
      create trigger t_up before update on t for each row execute function stamp();`);
    expect(await judge()).toMatchObject({ maintained: false });
    // Not even the current time: an INSERT that names the column keeps the value it names.
    await db.exec(`alter table t alter column updated_at set default now()`);
    expect(await judge()).toMatchObject({ maintained: false, description: expect.stringMatching(/DEFAULT now\(\) covers no INSERT that names the column/) });
    await db.exec(`drop trigger t_up on t; create trigger t_up before insert or update on t for each row execute function stamp()`);
    expect(await judge()).toMatchObject({ maintained: true, insertCoveredBy: { trigger: 't_up' } });
    await db.exec(`create or replace function sqlfn() returns trigger language plpgsql as $$ begin return new; end $$;
      create trigger z_other before update on t for each row execute function sqlfn();`);
    expect((await judge()).maintained).toBe(true); // a later trigger that never writes the column
  });

  it('checks every partition: a trigger disabled on one partition misses its writes', async () => {
    await db.exec(`drop table if exists p cascade;
      create table p (id int, updated_at timestamptz not null default now()) partition by range (id);
      create table p1 partition of p for values from (0) to (100);
      create table p2 partition of p for values from (100) to (200);
      ${STAMP}
      create trigger p_stamp before insert or update on p for each row execute function stamp();`);
    expect(await judge('p')).toMatchObject({ maintained: true });
    await db.exec('alter table p2 disable trigger p_stamp');
    const judged = await judge('p');
    expect(judged.maintained).toBe(false);
    expect(judged.description).toMatch(/p2/);
  });

  it('does not take an unqualified now() when another schema defines one', async () => {
    await table('create trigger t_stamp before insert or update on t for each row execute function stamp();');
    await db.exec(`create schema if not exists shadow; create or replace function shadow.now() returns timestamptz language sql as $$ select '2000-01-01'::timestamptz $$`);
    try {
      expect(await judge()).toMatchObject({ maintained: false });
      // With a parameter that has a default it is still callable as now().
      await db.exec(`drop function shadow.now(); create function shadow.now(x int default 0) returns timestamptz language sql as $$ select '2000-01-01'::timestamptz $$`);
      expect(await judge()).toMatchObject({ maintained: false });
    } finally {
      await db.exec('drop schema shadow cascade');
    }
  });
});
