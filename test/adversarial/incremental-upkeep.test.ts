/**
 * Incremental mode runs only where the catalog proves the column is stamped on every write. Two
 * trigger sets were taken as proof although a write they let through keeps an old stamp:
 * - a DEFAULT now() "covering INSERTs" while a BEFORE INSERT trigger overwrites the column
 *   (triggers run after defaults are applied: `new.updated_at := new.source_time` keeps the
 *   writer's time, an import's old one);
 * - a BEFORE UPDATE trigger that stamps NEW but changes OLD and returns it: the row written is
 *   OLD, with the change and the old stamp;
 * - a trigger stamping a GENERATED column: Postgres discards the assignment and stores the
 *   expression's value.
 * Each passed incrementally over a NULL a full pass fails on.
 */
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import { columnWritesOf } from '../../src/introspect/trigger-function.js';
import type { Store } from '../../src/store/store.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { ResultRecord } from '../../src/store/runs.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { loadSqlParser } from '../../src/sql/parser.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const INCREMENTAL = '{ column: updated_at, overlap: 0s, full_every: 1d }';

describe.each(engines)('what proves a column maintained, on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  async function run(catalog: Catalog): Promise<ResultRecord> {
    const sources = registryForCatalog(catalog, { app: db });
    try {
      return (await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished).results[0]!;
    } finally {
      await sources.closeAll();
    }
  }

  /** Runs the check, writes `change`, runs it again: neither run may pass over the NULL written. */
  async function judged(table: string, change: string): Promise<ResultRecord[]> {
    const catalog = catalogFromYaml(`checks:\n  - { id: ${table}, kind: null_check, source: app, table: ${table}, columns: [b], incremental: ${INCREMENTAL} }\n`, { app: db });
    const first = await run(catalog);
    await db.exec(change);
    return [first, await run(catalog)];
  }

  it('a DEFAULT does not cover INSERTs that a BEFORE INSERT trigger stamps with another time', async () => {
    await db.exec(`create function stamp_i() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create function keep_source_time() returns trigger language plpgsql as $$ begin new.updated_at := new.source_time; return new; end $$;
      create table di (id int primary key, b int, source_time timestamptz, updated_at timestamptz not null default now());
      create trigger di_stamp before update on di for each row execute function stamp_i();
      create trigger di_keep before insert on di for each row execute function keep_source_time();
      insert into di (id, b, source_time) select g, g, now() from generate_series(1, 20) g;`);
    const results = await judged('di', `insert into di (id, b, source_time) values (100, null, '2001-01-01')`);
    for (const result of results) expect(result).toMatchObject({ status: 'error', error: { code: 'incremental_unmaintained', message: expect.stringMatching(/INSERTs: .*di_keep/) } });
  });

  it('nor when a stamping INSERT trigger is followed by one that overwrites the stamp', async () => {
    await db.exec(`create function stamp_j() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create function keep_source_time_j() returns trigger language plpgsql as $$ begin new.updated_at := new.source_time; return new; end $$;
      create table dj (id int primary key, b int, source_time timestamptz, updated_at timestamptz not null default now());
      create trigger dj_a_stamp before insert or update on dj for each row execute function stamp_j();
      create trigger dj_b_keep before insert on dj for each row execute function keep_source_time_j();
      insert into dj (id, b, source_time) select g, g, now() from generate_series(1, 20) g;`);
    const results = await judged('dj', `insert into dj (id, b, source_time) values (100, null, '2001-01-01')`);
    for (const result of results) expect(result).toMatchObject({ status: 'error', error: { code: 'incremental_unmaintained' } });
  });

  it('an UPDATE trigger that changes OLD and returns it does not stamp the row it writes', async () => {
    await db.exec(`create function stamp_old() returns trigger language plpgsql as $$
        begin new.updated_at := now(); if new.b < 0 then old.b := null; return old; end if; return new; end $$;
      create table uo (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger uo_stamp before insert or update on uo for each row execute function stamp_old();
      insert into uo (id, b) select g, g from generate_series(1, 20) g;
      set session_replication_role = replica; update uo set updated_at = now() - interval '1 day'; set session_replication_role = origin;`);
    const results = await judged('uo', 'update uo set b = -1 where id = 4');
    // The row written is OLD with b NULL and the stamp of a day ago.
    expect((await db.exec('select b is null as cleared, updated_at < now() - interval \'1 hour\' as old_stamp from uo where id = 4'))[0]).toMatchObject({ cleared: true, old_stamp: true });
    for (const result of results) expect(result).toMatchObject({ status: 'error', error: { code: 'incremental_unmaintained', message: expect.stringMatching(/OLD/) } });
  });

  it('a generated column is not stamped by a trigger that assigns it (the assignment is discarded)', async () => {
    await db.exec(`create function stamp_g() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create table ge (id int primary key, b int, edited_at timestamptz, updated_at timestamptz generated always as (edited_at) stored);
      create trigger ge_stamp before insert or update on ge for each row execute function stamp_g();
      insert into ge (id, b, edited_at) select g, g, '2001-01-01' from generate_series(1, 20) g;`);
    const results = await judged('ge', 'update ge set b = null where id = 4');
    expect((await db.exec('select updated_at < now() - interval \'1 day\' as old_stamp from ge where id = 4'))[0]).toMatchObject({ old_stamp: true });
    for (const result of results) expect(result).toMatchObject({ status: 'error', error: { code: 'incremental_unmaintained', message: expect.stringMatching(/GENERATED/) } });
  });

  it('still accepts a BEFORE INSERT trigger that leaves the column alone after one that stamps it', async () => {
    await db.exec(`create function stamp_k() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create function fill_b() returns trigger language plpgsql as $$ begin new.b := coalesce(new.b, 0); return new; end $$;
      create table dk (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger dk_stamp before insert or update on dk for each row execute function stamp_k();
      create trigger dk_fill before insert on dk for each row execute function fill_b();
      insert into dk (id, b) select g, g from generate_series(1, 20) g;`);
    const [first, second] = await judged('dk', 'update dk set b = null where id = 3');
    expect(first).toMatchObject({ status: 'pass', observations: { incremental: { mode: 'full' } } });
    expect(second).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1, incremental: { mode: 'incremental' } } });
  });
});

describe('reading a trigger function that writes OLD', () => {
  it('refuses any assignment to OLD or its fields: a trigger may return OLD as the row written', async () => {
    await loadSqlParser();
    const fn = (body: string) => `CREATE OR REPLACE FUNCTION public.f()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$ declare o record; begin ${body} end $function$`;
    for (const body of [
      'new.updated_at := now(); old.b := null; return old;',
      'new.updated_at := now(); old := new; old.updated_at := null; return old;',
      'new.updated_at := now(); select null into old.b; return old;',
    ]) expect(columnWritesOf(fn(body), 'updated_at'), body).toMatchObject({ stampsColumn: false, mayOverwrite: true });
    // Returning OLD untouched writes the row as it was: nothing changes, nothing needs a stamp.
    expect(columnWritesOf(fn('new.updated_at := now(); if new.b is null then return old; end if; return new;'), 'updated_at').stampsColumn).toBe(true);
  });
});
