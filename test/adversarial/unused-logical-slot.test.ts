/**
 * `unused` on a server where a logical replication slot decodes the database with an output plugin
 * that needs no publication (test_decoding, wal2json, decoderbufs): its consumer — a CDC pipeline,
 * a warehouse loader — receives every column of every table, and nothing in this server's catalog
 * or statistics says which it reads. Dropping the column changes what that consumer gets, so the
 * check cannot verify. It passed on the old code. A pgoutput slot sends only what a publication
 * carries, and publications are already judged; a slot of another database decodes nothing here.
 * A throwaway Postgres 15 cluster with wal_level = logical.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchCluster, type ScratchCluster } from '../support/scratch-cluster.js';
import { createTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/store.js';
import { runUnused } from '../kinds/unused/support.js';

const CHECK = `checks:
  - id: slots
    kind: unused
    source: app
    evidence: catalog
    columns: [public.users.full_name]
    ignore: { roles: [postgres] }
`;

describe('unused beside logical replication slots (throwaway cluster, wal_level = logical)', () => {
  let cluster: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  let admin: postgres.Sql;
  const run = () => runUnused({ url: `postgres://postgres@127.0.0.1:${cluster.port}/app`, dataDir: `memory:${randomUUID()}` }, CHECK, store);

  beforeAll(async () => {
    cluster = await createScratchCluster({ wal_level: 'logical', max_replication_slots: '4' });
    await cluster.exec('create database app');
    await cluster.exec('create database other');
    admin = postgres(`postgres://postgres@127.0.0.1:${cluster.port}/app`, { max: 1, onnotice: () => {} });
    await admin.unsafe('create table users (id int primary key, full_name text, email text)');
    ({ store, close: closeStore } = await createTestStore('pglite'));
  }, 180_000);
  afterAll(async () => {
    await admin?.end();
    await closeStore?.();
    await cluster?.destroy();
  });

  it('passes with no slot, a pgoutput slot, or a slot of another database', async () => {
    expect((await run()).status).toBe('pass');
    await admin.unsafe("select pg_create_logical_replication_slot('cdc_pgoutput', 'pgoutput')");
    const other = postgres(`postgres://postgres@127.0.0.1:${cluster.port}/other`, { max: 1, onnotice: () => {} });
    try {
      await other.unsafe("select pg_create_logical_replication_slot('other_db', 'test_decoding')");
      const result = await run();
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await other.unsafe("select pg_drop_replication_slot('other_db')");
      await other.end();
      await admin.unsafe("select pg_drop_replication_slot('cdc_pgoutput')");
    }
  }, 60_000);

  it('cannot verify while a slot decodes this database with a plugin that takes every table', async () => {
    await admin.unsafe("select pg_create_logical_replication_slot('warehouse', 'test_decoding')");
    try {
      const result = await run();
      expect(result.status, result.summary).toBe('error');
      expect(result.error?.code).toBe('logical_decoding_unseen');
      expect(result.summary).toMatch(/slot warehouse \(plugin test_decoding\)/);
    } finally {
      await admin.unsafe("select pg_drop_replication_slot('warehouse')");
    }
  }, 60_000);
});
