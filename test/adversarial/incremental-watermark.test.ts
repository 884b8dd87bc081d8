/**
 * An incremental pass reads rows stamped at or after the last watermark (the verified server's
 * now()) minus overlap. When that clock goes back — an NTP step, a VM restored, a server whose
 * clock ran ahead and was corrected — writes made since carry stamps before the last watermark,
 * and every later lower bound passes over them: the chain would keep passing over a row a full
 * pass fails on.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planPass, type ChainLink } from '../../src/runner/incremental.js';
import { judgeWatermark } from '../../src/introspect/watermark.js';
import { createRunner } from '../../src/runner/runner.js';
import type { Store } from '../../src/store/store.js';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { createSourceRegistry } from '../../src/sources/registry.js';
import { createTestStore, describeOnPostgres, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { createScratchCluster, createScratchStandby, type ScratchCluster } from '../support/scratch-cluster.js';
import { until } from '../support/until.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const SETTINGS = { column: 'updated_at', overlap: 0, full_every: 7 * 86_400_000, trust_column: false };
const T0 = Date.parse('2026-01-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const link = (id: string, mode: 'full' | 'incremental', watermark: number, lowerBound: number | null): ChainLink => ({
  resultId: id, status: 'pass', definitionHash: 'h', coverage: null,
  incremental: { mode, column: 'updated_at', watermark: at(watermark), lower_bound: lowerBound === null ? null : at(lowerBound), maintained_by: 'trigger', trusted_column: false, table_state: 's' },
});

describe('watermarks of an incremental chain', () => {
  it('a clock that now reads before the last watermark makes the pass full', () => {
    // The last pass read at 10:30; the server's clock was stepped back an hour since.
    const chain = [link('b', 'incremental', 30, 0), link('a', 'full', 0, null)];
    const plan = planPass(SETTINGS, 'h', chain, new Date(T0 - 30 * 60_000), undefined, 's');
    expect(plan).toMatchObject({ mode: 'full', reason: expect.stringMatching(/clock .* reads earlier than the last watermark/) });
  });

  it('a link whose watermark is before the previous one breaks the chain', () => {
    const chain = [link('c', 'incremental', 40, 20), link('b', 'incremental', 20, -10), link('a', 'full', -10, null)];
    expect(planPass(SETTINGS, 'h', [link('c', 'incremental', 15, 20), ...chain.slice(1)], new Date(T0 + 60 * 60_000), undefined, 's'))
      .toMatchObject({ mode: 'full', reason: expect.stringMatching(/watermark before the previous one/) });
    expect(planPass(SETTINGS, 'h', chain, new Date(T0 + 60 * 60_000), undefined, 's')).toMatchObject({ mode: 'incremental' });
  });
});

/**
 * A write stamps its row with its transaction's start (now()); a transaction open while a pass reads
 * commits after the pass's snapshot with a stamp before the pass's watermark if the watermark is the
 * server's now(). With `overlap: 0s` (allowed: "must exceed the longest write transaction" was an
 * assumption nobody checked) the next pass's lower bound passed over that row for good.
 */
describeOnPostgres('a write transaction open while a pass reads, on postgres', () => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore('postgres', (opened) => ({ db, store } = opened));

  it('is read by the next pass: the watermark is the start of the oldest open transaction', async () => {
    await db.exec(`create function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create table t (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger t_stamp before insert or update on t for each row execute function stamp();
      insert into t (id, b) select g, g from generate_series(1, 50) g;
      set session_replication_role = replica; update t set updated_at = now() - interval '1 day'; set session_replication_role = origin;`);
    const catalog = catalogFromYaml('checks:\n  - { id: n, kind: null_check, source: app, table: t, columns: [b], incremental: { column: updated_at, overlap: 0s, full_every: 1d } }\n', { app: db });
    const run = async () => {
      const sources = registryForCatalog(catalog, { app: db });
      try {
        return (await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished).results[0]!;
      } finally {
        await sources.closeAll();
      }
    };
    expect((await run()).observations.incremental).toMatchObject({ mode: 'full' });
    const writer = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const open = await writer.reserve();
      await open.unsafe('begin');
      await open.unsafe('update t set b = null where id = 5');
      await new Promise((resolve) => setTimeout(resolve, 200));
      // The pass reads while the write is uncommitted: it cannot see the NULL.
      const during = await run();
      expect(during).toMatchObject({ status: 'pass', observations: { incremental: { mode: 'incremental' } } });
      await open.unsafe('commit');
      open.release();
    } finally {
      await writer.end();
    }
    expect(await run()).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1, incremental: { mode: 'incremental' } } });
  });
});

describe('what the watermark cannot see (pure)', () => {
  const base = { server_now: '2026-01-01T10:00:00Z', in_recovery: false, replayed_at: null, oldest_open_xact: null, hidden_open_xacts: 0, untracked_open_xacts: 0, prepared_xacts: 0 };
  it('is the oldest open transaction\'s start on a primary, and unknown while a session whose start it cannot see is in a transaction', () => {
    expect(judgeWatermark({ ...base, oldest_open_xact: '2026-01-01T09:00:00Z' }).watermark).toEqual(new Date('2026-01-01T09:00:00Z'));
    expect(judgeWatermark({ ...base, hidden_open_xacts: 2 })).toMatchObject({ watermark: null, unknownBecause: expect.stringMatching(/2 sessions hidden .* pg_read_all_stats/) });
    expect(judgeWatermark({ ...base, untracked_open_xacts: 1 })).toMatchObject({ watermark: null, unknownBecause: expect.stringMatching(/track_activities = off is in a transaction/) });
  });
  it('is unknown with a prepared transaction open, or on a standby that has replayed nothing since it started', () => {
    expect(judgeWatermark({ ...base, prepared_xacts: 1 })).toMatchObject({ watermark: null, unknownBecause: expect.stringMatching(/prepared/) });
    expect(judgeWatermark({ ...base, in_recovery: true })).toMatchObject({ watermark: null, unknownBecause: expect.stringMatching(/replayed no transaction/) });
    expect(judgeWatermark({ ...base, in_recovery: true, replayed_at: '2026-01-01T09:30:00Z' })).toMatchObject({ watermark: new Date('2026-01-01T09:30:00Z'), assumption: expect.stringMatching(/standby/) });
  });
});

/**
 * On a standby the watermark is the primary's commit time of the last transaction it replayed
 * (what it has not replayed yet is not missed). A standby that has replayed none since it started
 * gave least(now(), NULL) — its own clock — while its data could be any distance behind: writes the
 * primary made meanwhile were stamped before that watermark and never read once they arrived.
 */
describe('a standby that has replayed no transaction since it started (throwaway primary and standby)', () => {
  let primary: ScratchCluster;
  let standby: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  beforeAll(async () => {
    // No autovacuum: its ANALYZE would commit a transaction the standby replays.
    primary = await createScratchCluster({ autovacuum: 'off' });
    await primary.exec(`create function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create table t (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger t_stamp before insert or update on t for each row execute function stamp();
      insert into t (id, b) select g, g from generate_series(1, 50) g;
      set session_replication_role = replica; update t set updated_at = now() - interval '1 day'; set session_replication_role = origin;`);
    standby = await createScratchStandby(primary);
    await until('the standby to accept connections', async () => (await standby.exec('select pg_is_in_recovery() as r').catch(() => []))[0]?.r === true, 60_000);
    ({ store, close: closeStore } = await createTestStore('pglite'));
  }, 180_000);
  afterAll(async () => {
    await closeStore?.();
    await standby?.destroy();
    await primary?.destroy();
  });

  it('records no watermark, so the writes it had not replayed are read by the next run', async () => {
    expect((await standby.exec('select pg_last_xact_replay_timestamp() is null as none'))[0]?.none).toBe(true);
    await standby.exec('select pg_wal_replay_pause()');
    await primary.exec('update t set b = null where id = 5');
    await until('the standby to receive the write', async () => (await standby.exec('select pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn() as behind'))[0]?.behind === true);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const yaml = `sources:\n  app: { url: "postgres://postgres@127.0.0.1:${standby.port}/postgres" }\nchecks:\n  - { id: n, kind: null_check, source: app, table: t, columns: [b], incremental: { column: updated_at, overlap: 0s, full_every: 1d } }\n`;
    const parsed = parseCheckFile(yaml, 'standby.yaml', {});
    if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
    const catalog = buildCatalog([parsed]);
    if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
    const run = async () => {
      const sources = createSourceRegistry(catalog.sources, { dataDir: 'memory:none' });
      try {
        return (await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished).results[0]!;
      } finally {
        await sources.closeAll();
      }
    };
    // The standby's data is from before the write: the full pass passes, rightly for what it read.
    expect(await run()).toMatchObject({ status: 'pass', observations: { incremental: { mode: 'full' } } });
    await standby.exec('select pg_wal_replay_resume()');
    await until('the standby to replay the write', async () => (await standby.exec('select count(*)::int as n from t where b is null'))[0]?.n === 1);
    // The primary goes on writing: the last replayed commit is now later than that pass began.
    await primary.exec('update t set b = b where id = 7');
    await until('the standby to replay a commit after the first pass', async () => (await standby.exec(`select pg_last_xact_replay_timestamp() > (select max(updated_at) from t where id = 5) + interval '1 second' as later`))[0]?.later === true);
    expect(await run()).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1 } });
  }, 60_000);
});
