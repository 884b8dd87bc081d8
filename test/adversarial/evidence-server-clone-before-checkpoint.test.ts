/**
 * A promoted clone names its origin's timeline in its control file until its first checkpoint —
 * in PostgreSQL 15 a spread checkpoint the promotion only requests, which with a long
 * checkpoint_timeout and dirty buffers takes minutes. The identity read pg_control_checkpoint(),
 * so for that long the clone was "the same server" as its origin: a run whose identity came from
 * one and whose rows came from the other passed, and gate evidence from either counted for both.
 * Out of recovery the timeline is now read from the WAL being written (exact from the promotion).
 *
 * Throwaway Postgres 15 clusters: a primary and a clone of it (pg_basebackup), promoted with no
 * checkpoint since.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { createServerWatch } from '../../src/runner/server-watch.js';
import { sameServer, type ServerIdentity } from '../../src/results/server-identity.js';
import { inspectSource } from '../../src/sources/preflight.js';
import { createSourceRegistry } from '../../src/sources/registry.js';
import { createScratchCluster, createScratchStandby, type ScratchCluster } from '../support/scratch-cluster.js';
import { until } from '../support/until.js';

function catalogFor(port: number): Catalog {
  const parsed = parseCheckFile(`sources:\n  app: { url: "postgres://postgres@127.0.0.1:${port}/postgres" }\nchecks: []\n`, 'clone.yaml', {});
  if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
  const catalog = buildCatalog([parsed]);
  if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
  return catalog;
}

const checkpointTimeline = async (cluster: ScratchCluster) => (await cluster.exec('select timeline_id from pg_control_checkpoint()'))[0]?.timeline_id;

describe('a promoted clone before its first checkpoint (throwaway primary and clone)', () => {
  let primary: ScratchCluster;
  let clone: ScratchCluster;

  beforeAll(async () => {
    primary = await createScratchCluster();
    await primary.exec(`create table big as select g, pg_catalog.repeat('x', 200) as t from pg_catalog.generate_series(1, 60000) g`);
    // A long checkpoint_timeout spreads the checkpoint the promotion requests over minutes.
    clone = await createScratchStandby(primary, { checkpoint_timeout: '1h', checkpoint_completion_target: '0.9' });
    await until('the clone to replay', async () => (await clone.exec('select pg_is_in_recovery() as r'))[0]?.r === true, 60_000);
    await primary.exec(`update big set t = t || 'y'`);
    await until('the clone to replay the update', async () => (await clone.exec(`select count(*)::int as n from big where t like '%y'`))[0]?.n === 60000, 60_000);
    await clone.promote();
    await until('the clone to take writes', async () => (await clone.exec('select pg_is_in_recovery() as r'))[0]?.r === false, 60_000);
  }, 180_000);

  afterAll(async () => {
    await clone?.destroy();
    await primary?.destroy();
  }, 60_000);

  async function identityOf(cluster: ScratchCluster): Promise<ServerIdentity> {
    const registry = createSourceRegistry(catalogFor(cluster.port).sources, { dataDir: 'memory:none' });
    try {
      return await inspectSource(await registry.get('app'));
    } finally {
      await registry.closeAll();
    }
  }

  it('records the clone as another server while its control file still names the origin\'s timeline', async () => {
    const [p, c] = await Promise.all([identityOf(primary), identityOf(clone)]);
    // The window is open: what the identity read before is still the origin's timeline.
    expect(await checkpointTimeline(clone)).toBe(1);
    expect([p.system_identifier, p.database_oid]).toEqual([c.system_identifier, c.database_oid]);
    expect([p.timeline, c.timeline]).toEqual([1, 2]);
    expect(sameServer(p, c)).toBe(false);
  });

  it('refuses a run whose reads reach the origin, then the clone', async () => {
    const watch = createServerWatch('app');
    const read = async (cluster: ScratchCluster) => {
      const registry = createSourceRegistry(catalogFor(cluster.port).sources, { dataDir: 'memory:none' });
      try {
        const source = await registry.get('app');
        return await source.readOnly((session) => session.query({ text: 'select count(*)::int as n from big', params: [] }), { statementTimeoutMs: 10_000, server: watch });
      } finally {
        await registry.closeAll();
      }
    };
    expect(await read(primary)).toEqual([{ n: 60000 }]);
    expect(await checkpointTimeline(clone)).toBe(1);
    await expect(read(clone)).rejects.toMatchObject({ code: 'server_changed_during_run' });
  });
});
