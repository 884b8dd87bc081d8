/**
 * `unused` pointed at a hot standby: its pg_stat_statements, pg_stat_user_tables and
 * pg_stat_activity count only the standby's own sessions, so every reader and writer on the primary
 * is invisible there. A pass read on a standby would drop a column the primary's clients still use.
 * A real primary and streaming standby (throwaway Postgres 15 clusters, pg_stat_statements preloaded).
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchCluster, createScratchStandby, type ScratchCluster } from '../support/scratch-cluster.js';
import { createTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/store.js';
import { ageSnapshots, runUnused } from '../kinds/unused/support.js';
import { until } from '../support/until.js';

const CHECK = (id: string, evidence = 'window: 24h') => `checks:
  - id: ${id}
    kind: unused
    source: app
    columns: [public.users.full_name]
    ${evidence}
    ignore: { roles: [parity_ro, postgres] }
`;


describe('unused on a hot standby (throwaway primary and streaming standby)', () => {
  let primary: ScratchCluster;
  let standby: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  const urlOf = (cluster: ScratchCluster, role: string) => `postgres://${role}@127.0.0.1:${cluster.port}/app`;
  const onStandby = (id: string, evidence?: string) => runUnused({ url: urlOf(standby, 'parity_ro'), dataDir: `memory:${randomUUID()}` }, CHECK(id, evidence), store);

  beforeAll(async () => {
    const settings = { shared_preload_libraries: 'pg_stat_statements' };
    primary = await createScratchCluster(settings);
    await primary.exec('create database app');
    const admin = postgres(urlOf(primary, 'postgres'), { max: 1, onnotice: () => {} });
    await admin.unsafe(`create extension pg_stat_statements;
      create table users (id int primary key, full_name text, email text);
      insert into users values (1, 'Ada Lovelace', 'ada@example.com');
      create role parity_ro login; grant pg_read_all_stats to parity_ro;
      create role parity_plain login; grant select on all tables in schema public to parity_plain;
      create role app_rw login; grant all on all tables in schema public to parity_ro, app_rw;`);
    await admin.end();
    standby = await createScratchStandby(primary, settings);
    await until('the standby to accept connections', async () => (await standby.exec('select pg_is_in_recovery() as r').catch(() => []))[0]?.r === true, 60_000);
    ({ store, close: closeStore } = await createTestStore('pglite'));
  }, 180_000);
  afterAll(async () => {
    await closeStore?.();
    await standby?.destroy();
    await primary?.destroy();
  });

  it('never passes with full evidence while the primary\'s clients read and write the column', async () => {
    const first = await onStandby('standby-full');
    expect(first.status).toBe('error');
    await ageSnapshots(store, 'standby-full', 25);
    // The application reads and writes the column on the primary, all window long.
    const app = postgres(urlOf(primary, 'app_rw'), { max: 1, onnotice: () => {} });
    try {
      for (let i = 0; i < 5; i++) await app`select id, full_name from users where id = ${i}`;
      await app`update users set full_name = upper(full_name)`;
    } finally {
      await app.end();
    }
    const result = await onStandby('standby-full');
    expect(result.status, result.summary).not.toBe('pass');
    expect(result.error?.code).toBe('standby_source');
  }, 60_000);

  const onPrimary = (id: string, evidence?: string) => runUnused({ url: urlOf(primary, 'parity_ro'), dataDir: `memory:${randomUUID()}` }, CHECK(id, evidence), store);

  it('never passes on the primary while a client reads the column on its standby', async () => {
    const first = await onPrimary('primary-full');
    expect(first.status).toBe('error');
    await ageSnapshots(store, 'primary-full', 25);
    // The nightly report runs on the read replica, as reports do.
    const report = postgres(urlOf(standby, 'app_rw'), { max: 1, onnotice: () => {} });
    try {
      for (let i = 0; i < 5; i++) await report`select id, full_name from users where id = ${i}`;
    } finally {
      await report.end();
    }
    for (const result of [await onPrimary('primary-full'), await onPrimary('primary-catalog', 'evidence: catalog')]) {
      expect(result.status, result.summary).not.toBe('pass');
      expect(result.error?.code).toBe('standby_reads_unseen');
      expect(result.error?.message).toMatch(/^this server streams to 1 physical standby \(.+\), and reads made there are counted only there/);
    }
  }, 60_000);

  it('judges the primary alone when the check file says nobody reads its standbys, and says so', async () => {
    const result = await onPrimary('primary-declared', 'evidence: catalog\n    standby_reads: none');
    expect(result.status, result.summary).toBe('pass');
    expect(String(result.observations.assumption)).toMatch(/^this server streams to 1 physical standby .*standby_reads: none/);
  }, 60_000);

  it('never passes on catalog evidence either: the standby\'s live sessions are not the primary\'s', async () => {
    const result = await onStandby('standby-catalog', 'evidence: catalog');
    expect(result.status, result.summary).not.toBe('pass');
    expect(result.error?.code).toBe('standby_source');
  }, 60_000);

  it('sees the standby without pg_read_all_stats too (pg_stat_replication hides only the details)', async () => {
    const result = await runUnused({ url: urlOf(primary, 'parity_plain'), dataDir: `memory:${randomUUID()}` },
      CHECK('primary-plain-role', 'evidence: catalog').replace('[parity_ro, postgres]', '[parity_plain, parity_ro, postgres]'), store);
    expect(result.status, result.summary).not.toBe('pass');
    expect(JSON.stringify(result.error)).toMatch(/standby_reads_unseen|streams to 1 physical standby/);
  }, 60_000);

  it('never passes while a standby with a replication slot is disconnected (restarting, catching up)', async () => {
    // The replica's readers read all the same; it is just not streaming at this instant.
    await primary.exec(`select pg_create_physical_replication_slot('reporting_replica')`);
    await standby.stop('fast');
    await until('the primary to see no walsender', async () => (await primary.exec('select count(*)::int as n from pg_stat_replication'))[0]?.n === 0);
    const first = await onPrimary('primary-slot-full');
    expect(first.status).toBe('error');
    await ageSnapshots(store, 'primary-slot-full', 25);
    for (const result of [await onPrimary('primary-slot-full'), await onPrimary('primary-slot-catalog', 'evidence: catalog')]) {
      expect(result.status, result.summary).not.toBe('pass');
      expect(result.error?.code).toBe('standby_reads_unseen');
      expect(result.error?.message).toMatch(/reporting_replica/);
    }
  }, 60_000);
});
