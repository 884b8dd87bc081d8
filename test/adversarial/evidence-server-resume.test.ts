/**
 * A chunked scan interrupted on one database must not be resumed on another: its recorded counts
 * are about the rows it read there. The same URL can reach another database between two runs
 * (DNS, a pooler, a database renamed over the name); the resumed result would add the first
 * database's counts to the second's and record only the second as the server it read.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import type { Store } from '../../src/store/store.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { createTestDatabase, createTestStore, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { dyingStore, type Kill } from '../support/dying-store.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const CHECK = `checks:
  - { id: n, kind: null_check, source: app, table: t, columns: [b], max_nulls: 0, stop_after: false, min_rows: 0 }
`;

const seed = (nullsUpTo: number) => `create table t (id int primary key, b text);
  insert into t select g, case when g <= ${nullsUpTo} then null else 'v' end from generate_series(1, 1000) g;`;

describeOnPostgres('resuming a chunked scan after its source was re-pointed, on postgres', () => {
  let first: TestDatabase;
  let second: TestDatabase;
  let store: Store;
  let closeStore: () => Promise<void>;
  let admin: postgres.Sql;
  beforeAll(async () => {
    first = await createTestDatabase('postgres');
    await first.exec(seed(0));
    // The database the URL reaches next: NULLs in the rows the interrupted run had already counted.
    second = await createTestDatabase('postgres');
    await second.exec(seed(300));
    ({ store, close: closeStore } = await createTestStore('postgres'));
    admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin.end();
    await closeStore();
    await first.close();
    await second.close();
  });

  function catalogOf(): Catalog {
    const catalog = catalogFromYaml(CHECK, { app: first });
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, pause_ms: 0, target_chunk_ms: 1 });
    return catalog;
  }

  async function run(catalog: Catalog, kill?: Kill): Promise<FinishedRun> {
    const sources = registryForCatalog(catalog, { app: first });
    let runId = '';
    const runner = createRunner({ store: dyingStore(store, kill, () => runner.cancel(runId)), sources });
    try {
      const started = await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' });
      runId = started.run.id;
      return await started.finished;
    } finally {
      await sources.closeAll();
    }
  }

  const nameOf = (db: TestDatabase) => new URL(db.url).pathname.slice(1);

  it('starts over instead of adding the other database\'s counts', async () => {
    const catalog = catalogOf();
    const interrupted = await run(catalog, { after: 4, recorded: true });
    expect(interrupted.results[0]).toMatchObject({ status: 'error', error: { code: 'cancelled' } });

    // Same URL, same definition hash: the name now reaches the second database.
    const [a, b] = [nameOf(first), nameOf(second)];
    for (const name of [a, b]) await admin.unsafe(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`);
    await admin.unsafe(`alter database ${a} rename to ${a}_swap`);
    await admin.unsafe(`alter database ${b} rename to ${a}`);
    await admin.unsafe(`alter database ${a}_swap rename to ${b}`);

    const resumed = await run(catalog);
    const result = resumed.results[0]!;
    expect(result).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 300 } });
    expect(result.observations.resumed_from).toBeUndefined();
  });
});
