/**
 * Incremental verification on a logical-replication subscriber (a blue/green move to a new
 * cluster is verified exactly there). The apply worker runs as a replica session: an ordinary (O)
 * trigger does not fire for its writes, and it names every column it copies, so a DEFAULT is never
 * used. A row the publisher changes arrives with the publisher's stamp (or an old one) and no
 * incremental pass on the subscriber reads it. The result only "assumed no write runs with
 * session_replication_role = replica" while the catalog showed a subscription writing the table:
 * a NULL written on the publisher passed. A real publisher and subscriber: two databases of one
 * throwaway Postgres 15 cluster with wal_level = logical.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCatalog } from '../../src/catalog/build-catalog.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { formatProblem } from '../../src/checkfile/problems.js';
import { createRunner } from '../../src/runner/runner.js';
import { createSourceRegistry } from '../../src/sources/registry.js';
import type { ResultRecord } from '../../src/store/runs.js';
import type { Store } from '../../src/store/store.js';
import { createTestStore } from '../support/databases.js';
import { createScratchCluster, type ScratchCluster } from '../support/scratch-cluster.js';
import { until } from '../support/until.js';

describe('incremental verification on a logical-replication subscriber (throwaway cluster, publisher and subscriber databases)', () => {
  let cluster: ScratchCluster;
  let store: Store;
  let closeStore: () => Promise<void>;
  let pub: postgres.Sql;
  let app: postgres.Sql;
  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${cluster.port}/${database}`;

  beforeAll(async () => {
    cluster = await createScratchCluster({ wal_level: 'logical' });
    await cluster.exec('create database pub');
    await cluster.exec('create database app');
    pub = postgres(urlOf('pub'), { max: 1, onnotice: () => {} });
    await pub.unsafe(`create table t (id int primary key, b int, updated_at timestamptz not null default now());
      insert into t (id, b, updated_at) select g, g, '2001-01-01' from generate_series(1, 50) g;
      create publication t_pub for table t;`);
    await pub.unsafe(`select pg_create_logical_replication_slot('t_sub', 'pgoutput')`);
    app = postgres(urlOf('app'), { max: 1, onnotice: () => {} });
    // The subscriber stamps its rows itself, with the usual trigger (enabled the ordinary way).
    await app.unsafe(`create table t (id int primary key, b int, updated_at timestamptz not null default now());
      create function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create trigger t_stamp before insert or update on t for each row execute function stamp();`);
    await app.unsafe(`create subscription t_sub connection 'host=127.0.0.1 port=${cluster.port} dbname=pub user=postgres'
        publication t_pub with (create_slot = false, slot_name = 't_sub')`);
    await until('the initial copy', async () => (await app`select count(*)::int as n from t`)[0]!.n === 50);
    ({ store, close: closeStore } = await createTestStore('pglite'));
  }, 180_000);
  afterAll(async () => {
    await closeStore?.();
    await app?.end();
    await pub?.end();
    await cluster?.destroy();
  });

  async function run(): Promise<ResultRecord> {
    const yaml = `sources:\n  app: { url: "${urlOf('app')}" }\nchecks:\n  - { id: n, kind: null_check, source: app, table: t, columns: [b], incremental: { column: updated_at, overlap: 0s, full_every: 1d } }\n`;
    const parsed = parseCheckFile(yaml, 'subscriber.yaml', {});
    if (Array.isArray(parsed)) throw new Error(parsed.map(formatProblem).join('\n'));
    const catalog = buildCatalog([parsed]);
    if (Array.isArray(catalog)) throw new Error(catalog.map(formatProblem).join('\n'));
    const sources = createSourceRegistry(catalog.sources, { dataDir: 'memory:none' });
    try {
      return (await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished).results[0]!;
    } finally {
      await sources.closeAll();
    }
  }

  const replicated = (id: number) => until(`row ${id} to be replicated`, async () => (await app`select b is null as gone from t where id = ${id}`)[0]?.gone === true);

  it('refuses the mode while the stamping trigger does not fire for the apply worker, and reads its writes once it does', async () => {
    const refused = await run();
    expect(refused).toMatchObject({ status: 'error', error: { code: 'incremental_unmaintained', message: expect.stringMatching(/subscription writes into t.*replica session.*ENABLE ALWAYS TRIGGER t_stamp/) } });
    await pub.unsafe('update t set b = null where id = 5');
    await replicated(5);
    await pub.unsafe('update t set b = 5 where id = 5');
    await until('row 5 to be repaired', async () => (await app`select b = 5 as back from t where id = 5`)[0]?.back === true);

    await app.unsafe('alter table t enable always trigger t_stamp');
    expect(await run()).toMatchObject({ status: 'pass', observations: { incremental: { mode: 'full' } } });
    await pub.unsafe('update t set b = null where id = 6');
    await replicated(6);
    expect(await run()).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1, incremental: { mode: 'incremental' } } });
  }, 60_000);
});
