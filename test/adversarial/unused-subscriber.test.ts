/**
 * `unused` pointed at a logical-replication subscriber: the subscribed table's rows are written on
 * the publisher, by clients the subscriber's pg_stat_statements and pg_stat_activity never see, and
 * the apply worker's own writes name no column. A pass read there would drop a column the publisher
 * still writes (and the next change it sends would stop the subscription). A real publisher and
 * subscriber: two databases of one throwaway Postgres 15 cluster with wal_level = logical.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchCluster, type ScratchCluster } from '../support/scratch-cluster.js';
import { createTestStore } from '../support/databases.js';
import type { Store } from '../../src/store/store.js';
import { ageSnapshots, runUnused } from '../kinds/unused/support.js';
import { until } from '../support/until.js';

const CHECK = (id: string, evidence: string, target = 'columns: [public.users.full_name]') => `checks:
  - id: ${id}
    kind: unused
    source: app
    ${target}
    ${evidence}
    ignore: { roles: [parity_ro, postgres] }
`;


describe('unused on a logical-replication subscriber (throwaway cluster, publisher and subscriber databases)', () => {
  let cluster: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  const urlOf = (database: string, role: string) => `postgres://${role}@127.0.0.1:${cluster.port}/${database}`;
  const onSubscriber = (id: string, evidence: string, target?: string) =>
    runUnused({ url: urlOf('app', 'parity_ro'), dataDir: `memory:${randomUUID()}` }, CHECK(id, evidence, target), store);
  const TABLES = `create table users (id int primary key, full_name text, email text);
    create table audit (id int primary key, note text);
    create table events (id int, at date, note text) partition by range (at);
    create table events_2019 partition of events for values from ('2019-01-01') to ('2020-01-01');
    create table events_2020 partition of events for values from ('2020-01-01') to ('2021-01-01');`;

  beforeAll(async () => {
    cluster = await createScratchCluster({ shared_preload_libraries: 'pg_stat_statements', wal_level: 'logical' });
    await cluster.exec('create database pub');
    await cluster.exec('create database app');
    const pub = postgres(urlOf('pub', 'postgres'), { max: 1, onnotice: () => {} });
    await pub.unsafe(`${TABLES}
      insert into users values (1, 'Ada Lovelace', 'ada@example.com');
      create publication users_pub for table users;
      create publication events_pub for table events with (publish_via_partition_root = true);
      create role parity_ro login; grant pg_read_all_stats to parity_ro;
      create role app_rw login; grant all on all tables in schema public to app_rw;`);
    await pub.unsafe(`select pg_create_logical_replication_slot('users_sub', 'pgoutput')`);
    await pub.unsafe(`select pg_create_logical_replication_slot('events_sub', 'pgoutput')`);
    await pub.end();
    const app = postgres(urlOf('app', 'postgres'), { max: 1, onnotice: () => {} });
    // A subscription to the same cluster must use a slot made beforehand (creating one would wait on itself).
    await app.unsafe(`create extension pg_stat_statements; ${TABLES}
      grant select on all tables in schema public to parity_ro;`);
    await app.unsafe(`create subscription users_sub connection 'host=127.0.0.1 port=${cluster.port} dbname=pub user=postgres'
        publication users_pub with (create_slot = false, slot_name = 'users_sub');`);
    // Published by its root: the subscription lists the partitioned table, and rows reach its partitions.
    await app.unsafe(`create subscription events_sub connection 'host=127.0.0.1 port=${cluster.port} dbname=pub user=postgres'
        publication events_pub with (create_slot = false, slot_name = 'events_sub');`);
    await until('the initial copy', async () => (await app`select count(*)::int as n from users`)[0]!.n === 1);
    await app.end();
    ({ store, close: closeStore } = await createTestStore('pglite'));
  }, 180_000);
  afterAll(async () => {
    await closeStore?.();
    await cluster?.destroy();
  });

  it('never passes with full evidence while the publisher\'s clients write the column', async () => {
    const first = await onSubscriber('sub-full', 'window: 24h');
    expect(first.status).toBe('error');
    await ageSnapshots(store, 'sub-full', 25);
    const writer = postgres(urlOf('pub', 'app_rw'), { max: 1, onnotice: () => {} });
    try {
      for (let i = 0; i < 5; i++) await writer`update users set full_name = ${`Ada ${i}`} where id = 1`;
    } finally {
      await writer.end();
    }
    const app = postgres(urlOf('app', 'postgres'), { max: 1, onnotice: () => {} });
    await until('the change to arrive', async () => (await app`select full_name from users`)[0]!.full_name === 'Ada 4').finally(() => app.end());
    const result = await onSubscriber('sub-full', 'window: 24h');
    expect(result.status, result.summary).not.toBe('pass');
    expect(result.error?.code).toBe('subscribed_table');
    expect(result.error?.message).toContain('public.users (subscription users_sub) is written here by logical replication');
  }, 60_000);

  it('never passes on catalog evidence either', async () => {
    const result = await onSubscriber('sub-catalog', 'evidence: catalog');
    expect(result.status, result.summary).not.toBe('pass');
    expect(result.error?.code).toBe('subscribed_table');
  }, 60_000);

  it('still passes for a table of the same database that no subscription writes', async () => {
    const result = await onSubscriber('sub-other', 'evidence: catalog', 'tables: [public.audit]');
    expect(result.status, result.summary).toBe('pass');
  }, 60_000);

  it('never passes for a partition whose partitioned table a subscription writes', async () => {
    const result = await onSubscriber('sub-partition', 'evidence: catalog', 'tables: [public.events_2019]');
    expect(result.status, result.summary).not.toBe('pass');
    expect(result.error?.code).toBe('subscribed_table');
    expect(result.error?.message).toContain('public.events (subscription events_sub)');
  }, 60_000);

  it('fails on the publisher for a partition whose partitioned table a publication carries', async () => {
    // The publication names the partitioned table; every partition's rows go out through it.
    const onPublisher = (id: string, target: string) =>
      runUnused({ url: urlOf('pub', 'parity_ro'), dataDir: `memory:${randomUUID()}` }, CHECK(id, 'evidence: catalog', target), store);
    const whole = await onPublisher('pub-partition', 'tables: [public.events_2019]');
    expect(whole.status, whole.summary).toBe('fail');
    expect(whole.summary).toContain('events_pub');
  }, 60_000);

  it('does not take a logical walsender without a slot in use for a physical standby', async () => {
    // A subscription's table sync copies on a walsender before it uses its slot; this connection
    // stands for one: a walsender of database pub, no slot, listed by pg_stat_replication.
    const walsender = spawn('psql', ['-X', '-q', '-c', 'select pg_sleep(30)', `host=127.0.0.1 port=${cluster.port} user=postgres dbname=pub replication=database`], { stdio: 'ignore' });
    try {
      await until('the walsender', async () => (await cluster.exec(`select count(*)::int as n from pg_stat_replication r
        where not exists (select 1 from pg_replication_slots s where s.active_pid = r.pid)`))[0]?.n === 1);
      const result = await runUnused({ url: urlOf('pub', 'parity_ro'), dataDir: `memory:${randomUUID()}` }, CHECK('pub-audit', 'evidence: catalog', 'tables: [public.audit]'), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      walsender.kill();
    }
  }, 60_000);
});
