/**
 * An incremental pass re-reads only rows whose maintained column moved past the last watermark.
 * Rows can change, or join the table, without any write that fires the row triggers: DDL (a
 * partition attached, a table made to inherit, a column dropped and added again, a type rewritten
 * with USING, an enum label renamed, a table renamed over the checked name), or writes while the
 * stamping trigger was disabled or replaced. Each of these passed incrementally over rows a full
 * pass fails on. The chain must break whenever the catalog of the table's hierarchy changed.
 */
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import { evaluateGate } from '../../src/gate/evaluate-gate.js';
import { migrationSchema } from '../../src/checkfile/migrations.js';
import type { Store } from '../../src/store/store.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { ResultRecord } from '../../src/store/runs.js';
import { describeOnPostgres, engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';
import { watchedSources } from '../support/watched-sources.js';

const STAMP = `create or replace function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;`;
/** Rows written a day ago: their stamps lie before any watermark of the test. */
const AGE_ROWS = (table: string) => `set session_replication_role = replica; update ${table} set updated_at = now() - interval '1 day'; set session_replication_role = origin;`;
const INCREMENTAL = '{ column: updated_at, overlap: 0s, full_every: 1d }';

const mode = (r: ResultRecord | undefined) => (r?.observations.incremental as { mode?: string } | undefined)?.mode;

describe.each(engines)('incremental passes across catalog changes on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  async function run(catalog: Catalog): Promise<Record<string, ResultRecord>> {
    const sources = registryForCatalog(catalog, { app: db });
    try {
      const done = await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
      return Object.fromEntries(done.results.map((r) => [r.checkId, r]));
    } finally {
      await sources.closeAll();
    }
  }

  /** A full pass over clean data, then `change`, then the next run: it must not pass. */
  async function afterChange(id: string, check: string, change: string): Promise<ResultRecord> {
    const catalog = catalogFromYaml(`checks:\n  - ${check}\n`, { app: db });
    const full = (await run(catalog))[id]!;
    expect(full).toMatchObject({ status: 'pass' });
    expect(mode(full)).toBe('full');
    // Untouched since: the chain goes on incrementally (the catalog alone does not break it).
    const quiet = (await run(catalog))[id]!;
    expect(quiet.status).toBe('pass');
    expect(mode(quiet)).toBe('incremental');
    await db.exec(change);
    return (await run(catalog))[id]!;
  }

  const nullCheck = (id: string, table: string) => `{ id: ${id}, kind: null_check, source: app, table: ${table}, columns: [b], incremental: ${INCREMENTAL} }`;

  it('a partition attached with old rows is read, not skipped', async () => {
    await db.exec(`${STAMP} create table pa (id int, b int, updated_at timestamptz not null default now(), primary key (id)) partition by range (id);
      create table pa_1 partition of pa for values from (0) to (100);
      create trigger pa_stamp before insert or update on pa for each row execute function stamp();
      insert into pa (id, b) select g, g from generate_series(1, 50) g; ${AGE_ROWS('pa')}
      create table pa_old (id int primary key, b int, updated_at timestamptz not null default now());
      insert into pa_old values (150, null, '2001-01-01');`);
    const next = await afterChange('pa', nullCheck('pa', 'pa'), 'alter table pa attach partition pa_old for values from (100) to (200)');
    expect(next).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1 } });
  });

  it('a table made to inherit from the checked one is read, not skipped', async () => {
    await db.exec(`${STAMP} create table ih (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger ih_stamp before insert or update on ih for each row execute function stamp();
      insert into ih (id, b) select g, g from generate_series(1, 50) g; ${AGE_ROWS('ih')}
      create table ih_child (id int not null, b int, updated_at timestamptz not null default now());
      create trigger ih_child_stamp before insert or update on ih_child for each row execute function stamp();
      insert into ih_child values (500, null, now()); ${AGE_ROWS('ih_child')}`);
    const next = await afterChange('ih', nullCheck('ih', 'ih'), 'alter table ih_child inherit ih');
    expect(next).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1 } });
  });

  it('a column dropped and added again (every row NULL, no row written) is read', async () => {
    await db.exec(`${STAMP} create table dc (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger dc_stamp before insert or update on dc for each row execute function stamp();
      insert into dc (id, b) select g, g from generate_series(1, 50) g; ${AGE_ROWS('dc')}`);
    const next = await afterChange('dc', nullCheck('dc', 'dc'), 'alter table dc drop column b; alter table dc add column b int');
    expect(next).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 50 } });
  });

  it('a column rewritten by ALTER TYPE … USING is read', async () => {
    await db.exec(`${STAMP} create table at (id int primary key, a text, b text, updated_at timestamptz not null default now());
      create trigger at_stamp before insert or update on at for each row execute function stamp();
      insert into at (id, a, b) select g, 'x' || g, 'x' || g from generate_series(1, 50) g; ${AGE_ROWS('at')}`);
    const next = await afterChange('at', `{ id: at, kind: column_parity, source: app, table: at, key: [id], old: a, new: b, incremental: ${INCREMENTAL} }`,
      'alter table at alter column b type text using upper(b)');
    expect(next).toMatchObject({ status: 'fail', observations: { mismatches: 50 } });
  });

  it('an enum label renamed (every value read as text changes, no row written) is read', async () => {
    await db.exec(`${STAMP} create type mood as enum ('ok', 'sad');
      create table en (id int primary key, m mood, m_text text, updated_at timestamptz not null default now());
      create trigger en_stamp before insert or update on en for each row execute function stamp();
      insert into en (id, m, m_text) select g, 'ok', 'ok' from generate_series(1, 50) g; ${AGE_ROWS('en')}`);
    const next = await afterChange('en', `{ id: en, kind: column_parity, source: app, table: en, key: [id], old: "m::text", new: m_text, incremental: ${INCREMENTAL} }`,
      `alter type mood rename value 'ok' to 'fine'`);
    expect(next).toMatchObject({ status: 'fail', observations: { mismatches: 50 } });
  });

  it('writes made while the stamping trigger was disabled are read', async () => {
    await db.exec(`${STAMP} create table dt (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger dt_stamp before insert or update on dt for each row execute function stamp();
      insert into dt (id, b) select g, g from generate_series(1, 50) g; ${AGE_ROWS('dt')}`);
    const next = await afterChange('dt', nullCheck('dt', 'dt'), 'alter table dt disable trigger dt_stamp; update dt set b = null where id = 7; alter table dt enable trigger dt_stamp');
    expect(next).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1 } });
  });

  it('writes made while the trigger function was replaced by one that keeps the old stamp are read', async () => {
    await db.exec(`create or replace function stamp_rf() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create table rf (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger rf_stamp before insert or update on rf for each row execute function stamp_rf();
      insert into rf (id, b) select g, g from generate_series(1, 50) g; ${AGE_ROWS('rf')}`);
    const next = await afterChange('rf', nullCheck('rf', 'rf'), `create or replace function stamp_rf() returns trigger language plpgsql as $$ begin new.updated_at := old.updated_at; return new; end $$;
      update rf set b = null where id = 9;
      create or replace function stamp_rf() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;`);
    expect(next).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1 } });
  });

  it('rows inserted while the DEFAULT was an old constant are read', async () => {
    // Under trust_column, where a DEFAULT alone stamps INSERTs (the catalog never takes it as proof).
    await db.exec(`${STAMP} create table df (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger df_stamp before update on df for each row execute function stamp();
      insert into df (id, b) select g, g from generate_series(1, 50) g; ${AGE_ROWS('df')}`);
    const trusted = `{ id: df, kind: null_check, source: app, table: df, columns: [b], incremental: { column: updated_at, overlap: 0s, full_every: 1d, trust_column: true } }`;
    const next = await afterChange('df', trusted, `alter table df alter column updated_at set default '2001-01-01';
      insert into df (id, b) values (99, null); alter table df alter column updated_at set default now();`);
    expect(next).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1 } });
  });

  it('another table renamed over the checked name is read in full', async () => {
    await db.exec(`${STAMP} create table sw (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger sw_stamp before insert or update on sw for each row execute function stamp();
      insert into sw (id, b) select g, g from generate_series(1, 50) g; ${AGE_ROWS('sw')}
      create table sw_new (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger sw_new_stamp before insert or update on sw_new for each row execute function stamp();
      insert into sw_new (id, b) select g, case when g = 3 then null else g end from generate_series(1, 50) g; ${AGE_ROWS('sw_new')}`);
    const next = await afterChange('sw', nullCheck('sw', 'sw'), 'alter table sw rename to sw_old; alter table sw_new rename to sw');
    expect(next).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1 } });
  });

  it('keeps the chain across VACUUM, ANALYZE and CREATE INDEX; a new partition costs one full pass (what the rule costs)', async () => {
    await db.exec(`${STAMP} create table mt (id int, b int, updated_at timestamptz not null default now(), primary key (id)) partition by range (id);
      create table mt_1 partition of mt for values from (0) to (100);
      create trigger mt_stamp before insert or update on mt for each row execute function stamp();
      insert into mt (id, b) select g, g from generate_series(1, 50) g; ${AGE_ROWS('mt')}`);
    const catalog = catalogFromYaml(`checks:\n  - ${nullCheck('mt', 'mt')}\n`, { app: db });
    expect(mode((await run(catalog))['mt'])).toBe('full');
    for (const step of ['vacuum analyze mt', 'create index on mt (updated_at)', 'analyze mt', 'vacuum mt_1']) await db.exec(step);
    expect(mode((await run(catalog))['mt'])).toBe('incremental');
    // Any change of the hierarchy's catalog, even a partition created empty, is one full pass; then the chain goes on.
    await db.exec('create table mt_2 partition of mt for values from (100) to (200); insert into mt (id, b) values (150, 1)');
    expect((await run(catalog))['mt']).toMatchObject({ status: 'pass', observations: { rows: 51, incremental: { mode: 'full', full_reason: expect.stringMatching(/another catalog version/) } } });
    await db.exec('insert into mt (id, b) values (151, null)');
    expect((await run(catalog))['mt']).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1, incremental: { mode: 'incremental' } } });
  });

  it('a coverage: continuous gate does not count the pass that followed an attach', async () => {
    await db.exec(`${STAMP} create table ga (id int, b int, updated_at timestamptz not null default now(), primary key (id)) partition by range (id);
      create table ga_1 partition of ga for values from (0) to (100);
      create trigger ga_stamp before insert or update on ga for each row execute function stamp();
      insert into ga (id, b) select g, g from generate_series(1, 50) g; ${AGE_ROWS('ga')}
      create table ga_old (id int primary key, b int, updated_at timestamptz not null default now());
      insert into ga_old values (150, null, '2001-01-01');`);
    const catalog = catalogFromYaml(`checks:\n  - ${nullCheck('ga', 'ga')}\n`, { app: db });
    await run(catalog);
    await db.exec('alter table ga attach partition ga_old for values from (100) to (200)');
    await run(catalog);
    const migration = migrationSchema.parse({ id: 'm', phases: [{ name: 'contract', requires: ['ga'], coverage: 'continuous' }] });
    const { latest, now } = await store.gateEvidence(['ga']);
    const verdict = evaluateGate({ migration, name: 'contract' }, latest, new Map([['ga', { hash: catalog.checks.get('ga')!.hash }]]), now);
    expect(verdict.allowed).toBe(false);
  });
});

describeOnPostgres('a catalog change during an incremental pass, on postgres', () => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore('postgres', (opened) => ({ db, store } = opened));

  it('leaves the pass without a watermark, so its chain is broken and the next run is full', async () => {
    await db.exec(`${STAMP} create table mp (id int, b int, updated_at timestamptz not null default now(), primary key (id)) partition by range (id);
      create table mp_1 partition of mp for values from (0) to (100);
      create trigger mp_stamp before insert or update on mp for each row execute function stamp();
      insert into mp (id, b) select g, g from generate_series(1, 50) g; ${AGE_ROWS('mp')}
      create table mp_old (id int primary key, b int, updated_at timestamptz not null default now());
      insert into mp_old values (150, null, '2001-01-01');`);
    const catalog = catalogFromYaml(`checks:\n  - { id: mp, kind: null_check, source: app, table: mp, columns: [b], incremental: ${INCREMENTAL} }\n`, { app: db });
    let attach = false;
    const run = async () => {
      const plain = registryForCatalog(catalog, { app: db });
      // Between the pass's catalog reading and its count: the attach commits while the pass runs.
      const sources = watchedSources(plain, async (_session, statement) => {
        if (attach && /^select count\(\*\)/.test(statement.text)) {
          attach = false;
          await db.exec('alter table mp attach partition mp_old for values from (100) to (200)');
        }
      });
      try {
        return (await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished).results[0]!;
      } finally {
        await plain.closeAll();
      }
    };
    expect(mode(await run())).toBe('full');
    attach = true;
    const during = await run();
    expect(mode(during)).toBe('incremental');
    expect(during.observations.coverage).toMatchObject({ unbroken: false });
    expect(await run()).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1, incremental: { mode: 'full' } } });
  });
});
