/**
 * A pass is evidence about the rows as they were read, so the gate dates it from its first read
 * ("a pass is as old as its first read"). On a standby that is behind its primary, the rows read
 * are older still: they are the primary's rows of `lag` ago. Without a `max_replica_lag` the lag
 * was recorded and nothing more, and a pass read now on a standby whose replay had stopped two
 * hours ago opened a phase whose `max_age` is one hour — on rows the primary had since changed.
 * Now the gate dates such a pass from its first read minus the lag it recorded, and a pass read on
 * a standby that could not say how far behind it was does not count.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog } from '../../src/catalog/catalog.js';
import { evaluateGate } from '../../src/gate/evaluate-gate.js';
import type { ReplicaLag } from '../../src/results/replica-lag.js';
import type { GateResultRow } from '../../src/store/gates.js';
import { fakeClock } from '../support/fake-clock.js';
import { catalogFromYaml } from '../support/run-check.js';
import { createGateCore, type GateCore } from '../support/gate-core.js';
import { createScratchCluster, createScratchStandby, type ScratchCluster } from '../support/scratch-cluster.js';
import { until } from '../support/until.js';

const yamlFor = (maxAge: string) => `checks:
  - { id: items-positive, kind: sql_assert, source: app, query: "select id from items where qty < 0" }
migrations:
  - id: items
    phases:
      - { name: contract, requires: [items-positive], max_age: ${maxAge} }
`;

const catalogAt = (url: string, maxAge: string): Catalog => catalogFromYaml(yamlFor(maxAge), { app: { engine: 'postgres', url, dataDir: 'memory:none', exec: async () => [], close: async () => {} } });

describe('how old a pass read on a standby is (pure)', () => {
  const NOW = new Date('2026-12-06T12:00:00.000Z');
  const catalog = catalogAt('postgres://parity@db.example.com/app', '1h');
  const lag = (state: ReplicaLag['state'], lagMs: number | null): ReplicaLag => ({ state, lag_ms: lagMs, replay_paused: null, receive_lsn: null, replay_lsn: null, max_replica_lag_ms: null });
  const passRead = (readAgoMs: number, inRecovery: boolean | null, replicaLag: ReplicaLag | null): GateResultRow => ({
    resultId: 'r1', checkId: 'items-positive', status: 'pass', definitionHash: catalog.checks.get('items-positive')!.hash,
    startedAt: new Date(NOW.getTime() - readAgoMs), readAt: new Date(NOW.getTime() - readAgoMs), finishedAt: new Date(NOW.getTime() - readAgoMs / 2),
    summary: null, error: null, estimated: false,
    servers: { app: { system_identifier: '7001', timeline: 1, database_oid: '16384', database: 'app' } },
    readUnder: { app: { in_recovery: inRecovery, replica_lag: replicaLag, privilege_warnings: [] } },
  });
  const M = 60_000;
  /** A pass read just now that resumed a scan begun `sinceAgoMs` ago, whose chunks were read under `carried`. */
  const resumed = (sinceAgoMs: number, own: ReplicaLag, carried: Record<string, ReplicaLag> | undefined): GateResultRow => ({
    ...passRead(1_000, own.state !== 'primary', own), resumedSince: new Date(NOW.getTime() - sinceAgoMs), resumedReadUnder: carried ?? null,
  });
  const cases: [string, GateResultRow, string | null][] = [
    ['a primary, read 10 minutes ago', passRead(10 * M, false, lag('primary', 0)), null],
    ['a caught-up standby, read 10 minutes ago', passRead(10 * M, true, lag('caught_up', 0)), null],
    ['a standby 30 minutes behind, read 10 minutes ago (40 minutes old)', passRead(10 * M, true, lag('behind', 30 * M)), null],
    ['a standby 55 minutes behind, read 10 minutes ago (65 minutes old)', passRead(10 * M, true, lag('behind', 55 * M)), 'too_old'],
    ['a standby 2 hours behind (paused), read just now', passRead(1_000, true, lag('behind', 120 * M)), 'too_old'],
    ['a standby that cannot say how far behind it is', passRead(1_000, true, lag('unknown', null)), 'replica_lag'],
    ['a standby whose lag was not recorded', passRead(1_000, true, null), 'replica_lag'],
    ['a primary whose lag was not recorded', passRead(1_000, false, null), null],
    // A resumed scan's first chunks were read when the interrupted run began: the lag adds to that.
    ['a scan resumed from 50 minutes ago on a standby 20 minutes behind (70 minutes old)', resumed(50 * M, lag('behind', 20 * M), { app: lag('behind', 20 * M) }), 'too_old'],
    ['a scan resumed from 30 minutes ago on a standby 20 minutes behind (50 minutes old)', resumed(30 * M, lag('behind', 20 * M), { app: lag('behind', 20 * M) }), null],
    // The resumed chunks were read under the lag the interrupted run recorded, whatever the resuming run's.
    ['a scan resumed from 10 minutes ago, its first chunks read 55 minutes behind, the standby caught up since (65 minutes old)', resumed(10 * M, lag('caught_up', 0), { app: lag('behind', 55 * M) }), 'too_old'],
    ['a scan resumed from 10 minutes ago, its first chunks read 40 minutes behind (50 minutes old)', resumed(10 * M, lag('caught_up', 0), { app: lag('behind', 40 * M) }), null],
    ['a scan resumed from 10 minutes ago on a primary, its first chunks read there', resumed(10 * M, lag('primary', 0), { app: lag('primary', 0) }), null],
    // Older code recorded none: how old the resumed chunks are is unknown.
    ['a scan resumed with no record of the lag its first chunks were read under', resumed(10 * M, lag('caught_up', 0), undefined), 'replica_lag'],
    ['a scan resumed with an empty lag record', resumed(10 * M, lag('primary', 0), {}), 'replica_lag'],
    ['a scan resumed whose first chunks were read where the lag could not be said', resumed(10 * M, lag('caught_up', 0), { app: lag('unknown', null) }), 'replica_lag'],
    ['a scan resumed with a malformed lag record', resumed(10 * M, lag('caught_up', 0), { app: { lag_ms: 0 } as unknown as ReplicaLag }), 'replica_lag'],
  ];
  it.each(cases)('%s', (_name, result, denial) => {
    const verdict = evaluateGate({ migration: catalog.migrations.get('items')!.spec, name: 'contract' }, new Map([['items-positive', result]]), catalog.checks, NOW, catalog.sources);
    expect(verdict.checks[0]!.denial).toBe(denial);
    expect(verdict.allowed).toBe(denial === null);
  });
});

describe('a pass read on a standby whose replay stopped (throwaway primary and streaming standby)', () => {
  let primary: ScratchCluster;
  let standby: ScratchCluster;
  let core: GateCore;
  let catalog: Catalog;
  // The store's clock stands still (results read "just now"); the servers' lag is real time.
  const clock = fakeClock();

  beforeAll(async () => {
    primary = await createScratchCluster();
    await primary.exec('create table items (id int primary key, qty int); insert into items values (1, 5);');
    standby = await createScratchStandby(primary);
    await until('the standby to accept connections', async () => (await standby.exec('select pg_is_in_recovery() as r').catch(() => []))[0]?.r === true, 60_000);
    catalog = catalogAt(`postgres://postgres@127.0.0.1:${standby.port}/postgres`, '2s');
    core = await createGateCore(() => catalog, { instanceId: 'age-test', storeClock: clock });
  }, 180_000);
  afterAll(async () => {
    await core?.close();
    await standby?.destroy();
    await primary?.destroy();
  });

  const runAndAsk = async () => {
    const { finished } = await core.runner.start({ checks: [catalog.checks.get('items-positive')!], trigger: 'api' });
    await finished;
    return core.gates.decide('items', 'contract');
  };

  it('does not count it under a max_age shorter than the standby is behind, and counts it once replay resumes', async () => {
    const writer = postgres(`postgres://postgres@127.0.0.1:${primary.port}/postgres`, { max: 1, onnotice: () => {} });
    await writer.unsafe('insert into items values (2, 1)');
    await until('the standby to replay it', async () => (await standby.exec('select count(*)::int as n from items'))[0]?.n === 2);
    await standby.exec('select pg_wal_replay_pause()');
    // The primary gets a negative quantity the standby does not replay.
    await writer.unsafe('update items set qty = -3 where id = 1');
    await writer.end();
    await until('the standby to receive the write', async () => (await standby.exec('select pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn() as behind'))[0]?.behind === true);
    await new Promise((r) => setTimeout(r, 3_000));

    const decision = await runAndAsk();
    expect(decision.checks[0]!.status).toBe('pass');
    expect(decision.allowed).toBe(false);
    expect(decision.checks[0]!.denial).toBe('too_old');

    // Control: under a max_age longer than the lag, the same pass counts.
    catalog = catalogAt(`postgres://postgres@127.0.0.1:${standby.port}/postgres`, '1h');
    expect((await core.gates.decide('items', 'contract')).allowed).toBe(true);

    // Replay resumes: the standby catches up, and a fresh read there fails as the primary would.
    catalog = catalogAt(`postgres://postgres@127.0.0.1:${standby.port}/postgres`, '2s');
    await standby.exec('select pg_wal_replay_resume()');
    await until('the standby to catch up', async () => (await standby.exec('select qty from items where id = 1'))[0]?.qty === -3);
    expect((await runAndAsk()).checks[0]!.denial).toBe('failed');
  }, 60_000);
});
