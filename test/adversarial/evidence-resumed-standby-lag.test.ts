/**
 * A resumed pass rests on chunks (or table_diff segments) the interrupted run read. On a standby
 * those chunks are the primary's rows of `lag` before they were read, and the gate adds that lag
 * to the oldest read — but the checkpoint did not record it: without `max_replica_lag` no chunk's
 * lag was even read. A standby far behind while the first run read, and caught up by the time the
 * resuming run read, was dated by the resuming run's lag only (none): the pass opened a phase whose
 * max_age was shorter than the age of the rows it rested on. Now every chunk's lag is read in its
 * own transaction, the checkpoint carries the worst, and the resumed result (and the gate) count it.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { evaluateGate } from '../../src/gate/evaluate-gate.js';
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import type { Store } from '../../src/store/store.js';
import { createTestStore, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { dyingStore, type Kill } from '../support/dying-store.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';
import { createScratchCluster, createScratchStandby, type ScratchCluster } from '../support/scratch-cluster.js';
import { until } from '../support/until.js';

const yamlFor = (maxAge: string) => `checks:
  - { id: n, kind: null_check, source: app, table: t, columns: [b], max_nulls: 0, stop_after: false, min_rows: 0 }
  - id: d
    kind: table_diff
    key: [id]
    old: { source: app, table: t_old }
    new: { source: app, table: t_new }
    segment_rows: 100
    stop_after: false
migrations:
  - id: m
    phases:
      - { name: nulls, requires: [n], max_age: ${maxAge} }
  - id: m2
    phases:
      - { name: diff, requires: [d], max_age: ${maxAge} }
`;

/** How far behind its primary the standby is while the first runs read (replay paused). */
const LAG_MS = 10_000;

describeOnPostgres('a pass resumed on a standby that was far behind when the interrupted run read', () => {
  let primary: ScratchCluster;
  let standby: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  let app: TestDatabase;

  beforeAll(async () => {
    primary = await createScratchCluster();
    await primary.exec(`create table t (id int primary key, b text);
      insert into t select g, 'v' from generate_series(1, 1000) g;
      create table t_old (id int primary key, a text); create table t_new (id int primary key, a text);
      insert into t_old select g, 'v' || g from generate_series(1, 1000) g;
      insert into t_new select g, 'v' || g from generate_series(1, 1000) g;
      create table beat (n int);`);
    standby = await createScratchStandby(primary);
    await until('the standby to accept connections', async () => (await standby.exec('select pg_is_in_recovery() as r').catch(() => []))[0]?.r === true, 60_000);
    app = { engine: 'postgres', url: `postgres://postgres@127.0.0.1:${standby.port}/postgres`, dataDir: 'memory:none', exec: (sql) => standby.exec(sql), close: async () => {} };
    ({ store, close: closeStore } = await createTestStore('postgres'));
  }, 180_000);
  afterAll(async () => {
    await closeStore?.();
    await standby?.destroy();
    await primary?.destroy();
  });

  function catalogOf(maxAge: string): Catalog {
    const catalog = catalogFromYaml(yamlFor(maxAge), { app });
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, pause_ms: 0, target_chunk_ms: 1 });
    return catalog;
  }

  async function run(catalog: Catalog, ids: string[], kill?: Kill): Promise<FinishedRun> {
    const sources = registryForCatalog(catalog, { app });
    let runId = '';
    const runner = createRunner({ store: dyingStore(store, kill, () => runner.cancel(runId)), sources });
    try {
      const started = await runner.start({ checks: ids.map((id) => catalog.checks.get(id)!), trigger: 'api' });
      runId = started.run.id;
      return await started.finished;
    } finally {
      await sources.closeAll();
    }
  }

  /**
   * The gate's verdict on the check's judged result. `alone`: as if the interrupted run had left
   * no outcome behind. Today its cancelled (or, after a crash, reaped or still running) result
   * finished after the resumed evidence began, so it supersedes the resumed pass: the first line of
   * defence. The age rule must hold without it (a result pruned, a store restored from a backup).
   */
  async function decide(catalog: Catalog, migration: string, checkId: string, alone = true) {
    const evidence = await store.gateEvidence([checkId]);
    const latest = new Map([...evidence.latest].map(([id, row]) => [id, alone ? { ...row, laterNonPass: null } : row]));
    return evaluateGate({ migration: catalog.migrations.get(migration)!.spec, name: migration === 'm' ? 'nulls' : 'diff' }, latest, catalog.checks, evidence.now, catalog.sources).checks[0]!;
  }

  it('dates the resumed pass by the lag its first chunks were read under, not by the resuming run\'s', async () => {
    const writer = postgres(`postgres://postgres@127.0.0.1:${primary.port}/postgres`, { max: 1, onnotice: () => {} });
    await writer.unsafe('insert into beat values (1)');
    await until('the standby to replay it', async () => (await standby.exec('select count(*)::int as n from beat'))[0]?.n === 1);
    await standby.exec('select pg_wal_replay_pause()');
    // A write the standby receives and does not replay: it is behind, by the age of its last replayed commit.
    await writer.unsafe('insert into beat values (2)');
    await until('the standby to receive the write', async () => (await standby.exec('select pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn() as behind'))[0]?.behind === true);
    await new Promise((r) => setTimeout(r, LAG_MS));

    // The first runs read a few chunks (segments) on the paused standby and die.
    const catalog = catalogOf('8s');
    for (const id of ['n', 'd']) {
      const interrupted = await run(catalog, [id], { after: 3, recorded: true });
      expect(interrupted.results[0]).toMatchObject({ status: 'error', error: { code: 'cancelled' } });
    }

    // Replay resumes; the standby catches up before the resuming run reads.
    await standby.exec('select pg_wal_replay_resume()');
    await until('the standby to catch up', async () => (await standby.exec('select count(*)::int as n from beat'))[0]?.n === 2);
    await writer.end();

    const resumed = await run(catalog, ['n', 'd']);
    for (const [id, phase] of [['n', 'm'], ['d', 'm2']] as const) {
      const result = resumed.results.find((r) => r.checkId === id)!;
      expect(result.status).toBe('pass');
      expect(result.observations.resumed_from).toBeDefined();
      // The first chunks are the primary's rows of more than 10 s ago: an 8 s max_age does not count them.
      expect(await decide(catalog, phase, id)).toMatchObject({ status: 'pass', denial: 'too_old' });
      const from = result.observations.resumed_from as { read_under?: Record<string, { lag_ms: number }> } | undefined;
      expect(from?.read_under?.app?.lag_ms).toBeGreaterThanOrEqual(LAG_MS);
      // The result records the worst lag it rests on, the resumed chunks' included.
      expect(result.servers?.app?.replica_lag?.lag_ms).toBeGreaterThanOrEqual(LAG_MS);
      // Control: under a max_age longer than their age, the same pass counts.
      expect(await decide(catalogOf('1h'), phase, id)).toMatchObject({ status: 'pass', denial: null });
      // And as things stand, the interrupted run's own outcome denies it first.
      expect(await decide(catalogOf('1h'), phase, id, false)).toMatchObject({ status: 'pass', denial: 'superseded' });
    }
  }, 120_000);
});
