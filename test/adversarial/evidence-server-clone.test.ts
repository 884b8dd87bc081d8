/**
 * A clone of a cluster — a pg_basebackup (or a restore of a base backup) promoted to take writes of
 * its own — keeps the cluster's system identifier and every database's oid and name: all a gate
 * compared to tell servers apart. A staging clone whose rows were repaired passed the checks while
 * the source's address reached it; once the address reached production again, a check reading
 * production recorded "the same server", and the gate kept counting the clone's passes about rows
 * production does not have. What a promotion does change, and a read-only role can read, is the
 * timeline (pg_control_checkpoint()): the key now includes it. A standby of the primary, and the
 * primary after a restart, stay the same server.
 *
 * Throwaway Postgres 15 clusters: a primary, a streaming standby of it, and a promoted clone, behind
 * one re-pointable address, so the source URL (and every definition hash) never changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { sameServer, type ServerIdentity } from '../../src/results/server-identity.js';
import { inspectSource } from '../../src/sources/preflight.js';
import { createSourceRegistry, type SourceRegistry } from '../../src/sources/registry.js';
import { createRepointableAddress, type RepointableAddress } from '../support/repointable-address.js';
import { execute } from '../support/run-check.js';
import { createGateCore, type GateCore } from '../support/gate-core.js';
import { createScratchCluster, createScratchStandby, type ScratchCluster } from '../support/scratch-cluster.js';
import { until } from '../support/until.js';

const SEED = `create table users (id int primary key, email text);
  insert into users select g, case when g = 7 then null else 'u' || g || '@x' end from generate_series(1, 50) g;`;
const REPAIR = `update users set email = 'u7@x' where id = 7`;

function catalogFor(port: number): Catalog {
  const yaml = `sources:
  app: { url: "postgres://postgres@127.0.0.1:${port}/postgres" }
checks:
  - { id: users-have-email, kind: sql_assert, source: app, query: "select id from users where email is null" }
  - { id: users-unique-email, kind: sql_assert, source: app, query: "select email from users group by email having count(*) > 1" }
migrations:
  - id: users-email
    phases:
      - { name: contract, requires: [users-have-email, users-unique-email], max_age: 1h }
`;
  const parsed = parseCheckFile(yaml, 'clone.yaml', {});
  if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
  const catalog = buildCatalog([parsed]);
  if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
  return catalog;
}

const inRecovery = async (cluster: ScratchCluster) => (await cluster.exec('select pg_is_in_recovery() as r').catch(() => []))[0]?.r;

describe('gate evidence from a promoted clone of the cluster (throwaway primary, standby and clone)', () => {
  let primary: ScratchCluster;
  let standby: ScratchCluster;
  let clone: ScratchCluster;
  let address: RepointableAddress;
  let core: GateCore;
  let catalog: Catalog;

  beforeAll(async () => {
    primary = await createScratchCluster();
    await primary.exec(SEED);
    standby = await createScratchStandby(primary);
    clone = await createScratchStandby(primary);
    await until('the standby and the clone to replay', async () => (await inRecovery(standby)) === true && (await inRecovery(clone)) === true, 60_000);
    // The clone leaves recovery, is repaired (staging), and has its new timeline written down.
    await clone.promote();
    await until('the clone to take writes', async () => (await inRecovery(clone)) === false, 60_000);
    await clone.exec(`${REPAIR}; checkpoint`);
    address = await createRepointableAddress(clone.port);
    catalog = catalogFor(address.port);
    core = await createGateCore(() => catalog, { instanceId: 'clone-test' });
  }, 180_000);

  afterAll(async () => {
    await core?.close();
    await address?.close();
    await clone?.destroy();
    await standby?.destroy();
    await primary?.destroy();
  }, 60_000);

  const run = async (ids: string[]) => {
    const { finished } = await core.runner.start({ checks: ids.map((id) => catalog.checks.get(id)!), trigger: 'api' });
    const done = await finished;
    expect(done.status).toBe('finished');
  };
  const ask = () => core.gates.decide('users-email', 'contract');

  /** What inspecting each cluster directly records (a registry of its own, at its own port). */
  async function identityOf(cluster: ScratchCluster): Promise<ServerIdentity> {
    const registry = createSourceRegistry(catalogFor(cluster.port).sources, { dataDir: 'memory:none' });
    try {
      return await inspectSource(await registry.get('app'));
    } finally {
      await registry.closeAll();
    }
  }

  it('records the clone as another server than its origin, and the origin\'s standby as the same', async () => {
    const [p, s, c] = await Promise.all([identityOf(primary), identityOf(standby), identityOf(clone)]);
    // What the gate compared before: all three alike.
    expect(c.system_identifier).toBe(p.system_identifier);
    expect(c.database_oid).toBe(p.database_oid);
    expect(sameServer(p, c)).toBe(false);
    expect(sameServer(p, s)).toBe(true);
  });

  it('stops counting the clone\'s passes once a check reads the origin at the same address', async () => {
    await run(['users-have-email', 'users-unique-email']);
    // Control: while the address reaches the clone, its own passes are evidence about it.
    expect((await ask()).allowed).toBe(true);
    // The address reaches production again (its row 7 still has no email); a scheduled check reads it.
    await address.pointAt(primary.port);
    await run(['users-unique-email']);
    const decision = await ask();
    expect(decision.allowed).toBe(false);
    expect(decision.checks.map((c) => c.denial)).toEqual(['server_changed', null]);
    // And it says which: the timelines differ.
    expect(decision.checks[0]!.reason).toMatch(/timeline 2.*timeline 1/);
  }, 60_000);

  it('still counts passes read on the origin\'s standby beside passes read on the origin (one timeline)', async () => {
    await primary.exec(REPAIR);
    await until('the standby to replay the repair', async () => (await standby.exec('select email from users where id = 7'))[0]?.email === 'u7@x', 30_000);
    await address.pointAt(standby.port);
    await run(['users-have-email']);
    await address.pointAt(primary.port);
    await run(['users-unique-email']);
    const decision = await ask();
    expect(decision.reasons).toEqual([]);
    expect(decision.allowed).toBe(true);
  }, 60_000);

  it('still counts them after the origin restarts (the cluster is named, so a restart is no new server)', async () => {
    await primary.stop('fast');
    await primary.start();
    await address.pointAt(primary.port);
    await run(['users-unique-email']);
    expect((await ask()).allowed).toBe(true);
  }, 60_000);

  it('refuses a run whose reads reach the origin, then the clone (server_changed_during_run)', async () => {
    // The identity is read on the origin, the rows (repaired) on the clone. Production has its row
    // 7 broken again so that only the clone's rows could pass.
    await primary.exec(`update users set email = null where id = 7`);
    const first = createSourceRegistry(catalogFor(primary.port).sources, { dataDir: 'memory:none' });
    const second = createSourceRegistry(catalogFor(clone.port).sources, { dataDir: 'memory:none' });
    let lookups = 0;
    const registry: SourceRegistry = {
      get: (name) => (lookups++ < 1 ? first : second).get(name),
      names: () => first.names(),
      specOf: (name) => first.specOf(name),
      closeAll: async () => { await first.closeAll(); await second.closeAll(); },
    };
    try {
      const result = await execute(catalogFor(primary.port).checks.get('users-have-email')!, registry);
      expect(result.status, result.summary).toBe('error');
      expect(result.error).toMatchObject({ code: 'server_changed_during_run' });
    } finally {
      await registry.closeAll();
    }
  }, 60_000);
});
