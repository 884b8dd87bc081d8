/**
 * The watermark is the start of the oldest open transaction (pg_stat_activity.xact_start), so that
 * a transaction open while a pass reads, committing later with a stamp from its start, is read by
 * the next pass. A session with `track_activities = off` (a superuser's SET, or the server's
 * setting) shows state 'disabled' and no xact_start: its open write transaction was invisible, the
 * watermark was now(), and with `overlap: 0s` (documented as sound with pg_read_all_stats) the
 * next incremental pass read from after the row's stamp — the NULL it committed was never read.
 * pg_stat_activity still shows such a session's transaction id: one holding it makes the
 * watermark unknown (the next run is full); the others are stated as an assumption, as hidden
 * sessions are.
 */
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { ResultRecord } from '../../src/store/runs.js';
import type { Store } from '../../src/store/store.js';
import { judgeWatermark } from '../../src/introspect/watermark.js';
import { describeOnPostgres, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const CHECK = (table = 't') => `checks:\n  - { id: ${table}, kind: null_check, source: app, table: ${table}, columns: [b], incremental: { column: updated_at, overlap: 0s, full_every: 1d } }\n`;

describeOnPostgres('a write transaction in a session with track_activities = off', () => {
  let verified: TestDatabase;
  let store: Store;
  useDatabaseAndStore('postgres', (opened) => ({ db: verified, store } = opened));

  async function runOnce(table = 't'): Promise<ResultRecord> {
    const catalog = catalogFromYaml(CHECK(table), { app: verified });
    const sources = registryForCatalog(catalog, { app: verified });
    try {
      return (await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished).results[0]!;
    } finally {
      await sources.closeAll();
    }
  }

  it('leaves the pass it was open during without a watermark, so the next run is full and reads what it committed', async () => {
    await verified.exec(`create table t (id int primary key, b int, updated_at timestamptz not null default now());
      create function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create trigger t_stamp before insert or update on t for each row execute function stamp();
      insert into t (id, b) select g, g from generate_series(1, 20) g;`);
    const writer = postgres(verified.url, { max: 1, onnotice: () => {} });
    const session = await writer.reserve();
    try {
      await session.unsafe('set track_activities = off');
      await session.unsafe('begin');
      // Stamped with this transaction's start, before the pass below reads.
      await session.unsafe('update t set b = null where id = 3');
      const during = await runOnce();
      expect(during).toMatchObject({ status: 'pass', observations: { incremental: { mode: 'full', watermark: null, watermark_unknown: expect.stringMatching(/track_activities = off is in a transaction/) } } });
      await session.unsafe('commit');
      expect(await runOnce()).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1, incremental: { mode: 'full' } } });
    } finally {
      session.release();
      await writer.end();
    }
  });

  it('also when it has not written yet: a transaction begun before the pass writes later with its start as the stamp', async () => {
    await verified.exec(`create table u (id int primary key, b int, updated_at timestamptz not null default now());
      create or replace function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create trigger u_stamp before insert or update on u for each row execute function stamp();
      insert into u (id, b) select g, g from generate_series(1, 20) g;`);
    expect(await runOnce('u')).toMatchObject({ status: 'pass', observations: { incremental: { mode: 'full' } } });
    const writer = postgres(verified.url, { max: 1, onnotice: () => {} });
    const session = await writer.reserve();
    try {
      await session.unsafe('set track_activities = off');
      await session.unsafe('begin');
      await session.unsafe('select 1');
      // In a transaction, no transaction id yet: its start (its stamps' time) is before this pass.
      const during = await runOnce('u');
      expect(during).toMatchObject({ status: 'pass', observations: { incremental: { watermark: null, watermark_unknown: expect.stringMatching(/track_activities = off is in a transaction/) } } });
      await session.unsafe('update u set b = null where id = 3');
      await session.unsafe('commit');
      expect(await runOnce('u')).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1, incremental: { mode: 'full' } } });
    } finally {
      session.release();
      await writer.end();
    }
  });

  it('keeps the watermark for untracked sessions in no transaction', () => {
    const judged = judgeWatermark({ server_now: '2026-12-06T10:00:00Z', in_recovery: false, oldest_open_xact: null, hidden_open_xacts: 0, prepared_xacts: 0, untracked_open_xacts: 0 });
    expect(judged).toMatchObject({ watermark: new Date('2026-12-06T10:00:00Z') });
    expect(judged.assumption).toBeUndefined();
  });
});
