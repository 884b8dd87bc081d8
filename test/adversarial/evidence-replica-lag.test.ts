/**
 * A source's max_replica_lag says how far behind its primary a standby may be for what is read
 * there to count. It is a source setting, not part of any check's definition hash: tightening it
 * must still stop passes read further behind than the new limit from opening a gate. A real primary
 * and streaming standby (throwaway Postgres 15 clusters) whose replay is paused.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { createGateCore, type GateCore } from '../support/gate-core.js';
import { createScratchCluster, createScratchStandby, type ScratchCluster } from '../support/scratch-cluster.js';
import { until } from '../support/until.js';


function catalogFor(url: string, maxLag?: string): Catalog {
  const yaml = `sources:
  app: { url: "${url}"${maxLag ? `, max_replica_lag: ${maxLag}` : ''} }
checks:
  - { id: items-positive, kind: sql_assert, source: app, query: "select id from items where qty < 0" }
migrations:
  - id: items
    phases:
      - { name: contract, requires: [items-positive], max_age: 1h }
`;
  const parsed = parseCheckFile(yaml, 'lag.yaml', {});
  if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
  const catalog = buildCatalog([parsed]);
  if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
  return catalog;
}

describe('gate evidence read on a lagging standby (throwaway primary and streaming standby)', () => {
  let primary: ScratchCluster;
  let standby: ScratchCluster;
  let core: GateCore;
  let catalog: Catalog;

  beforeAll(async () => {
    primary = await createScratchCluster();
    await primary.exec('create table items (id int primary key, qty int); insert into items values (1, 5);');
    standby = await createScratchStandby(primary);
    await until('the standby to accept connections', async () => (await standby.exec('select pg_is_in_recovery() as r').catch(() => []))[0]?.r === true, 60_000);
    catalog = catalogFor(`postgres://postgres@127.0.0.1:${standby.port}/postgres`);
    core = await createGateCore(() => catalog, { instanceId: 'lag-test' });
  }, 180_000);
  afterAll(async () => {
    await core?.close();
    await standby?.destroy();
    await primary?.destroy();
  });

  it('stops counting a pass read further behind than the max_replica_lag the source now sets', async () => {
    // The standby stops replaying: a negative quantity written on the primary is not there yet.
    const writer = postgres(`postgres://postgres@127.0.0.1:${primary.port}/postgres`, { max: 1, onnotice: () => {} });
    // One commit replayed first, so the standby can say how old its data is.
    await writer.unsafe('insert into items values (2, 1)');
    const reader = postgres(`postgres://postgres@127.0.0.1:${standby.port}/postgres`, { max: 1, onnotice: () => {} });
    await until('the standby to replay it', async () => (await reader.unsafe('select count(*)::int as n from items'))[0]?.n === 2);
    await reader.end();
    await standby.exec('select pg_wal_replay_pause()');
    await writer.unsafe('update items set qty = -3 where id = 1');
    await writer.end();
    await until('the standby to receive the write', async () => (await standby.exec('select pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn() as behind'))[0]?.behind === true);
    await new Promise((r) => setTimeout(r, 2_500));

    // No limit yet: the check passes on the standby's old rows, its lag recorded.
    const { finished } = await core.runner.start({ checks: [catalog.checks.get('items-positive')!], trigger: 'api' });
    await finished;
    const [result] = await core.store.checkHistory('items-positive', 1);
    expect(result!.status).toBe('pass');
    expect(result!.servers.app!.replica_lag).toMatchObject({ state: 'behind', max_replica_lag_ms: null });
    expect(result!.servers.app!.replica_lag!.lag_ms).toBeGreaterThan(2_000);
    expect((await core.gates.decide('items', 'contract')).allowed).toBe(true);

    // The operator learns the standby lags and allows it one second. The check's hash does not move.
    const tightened = catalogFor(`postgres://postgres@127.0.0.1:${standby.port}/postgres`, '1s');
    expect(tightened.checks.get('items-positive')!.hash).toBe(catalog.checks.get('items-positive')!.hash);
    catalog = tightened;
    const decision = await core.gates.decide('items', 'contract');
    expect(decision.allowed).toBe(false);
    expect(decision.checks[0]).toMatchObject({ status: 'pass', denial: 'replica_lag' });
    expect(decision.reasons[0]).toMatch(/behind its primary.*above max_replica_lag 1\.0s/);

    // A limit the recorded lag is within keeps the pass counting.
    catalog = catalogFor(`postgres://postgres@127.0.0.1:${standby.port}/postgres`, '1h');
    expect((await core.gates.decide('items', 'contract')).allowed).toBe(true);
    await standby.exec('select pg_wal_replay_resume()');
  });
});
