/**
 * A run reads each source over many transactions and connections, but records the server it read
 * once. A source re-pointed in the middle of a run (DNS, a pooler, a failover, a database restored
 * over the name) made later reads reach another database: its rows were counted under the first
 * database's identity, and a check passed about a database whose offending rows it never read.
 * Here the re-point is a registry whose `get` answers with the first database's source for the
 * first `switchAfter` lookups and the second's after (the runner looks a source up per read).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SourceRegistry } from '../../src/sources/registry.js';
import { createRunner } from '../../src/runner/runner.js';
import { createTestDatabase, createTestStore, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';
import type { Store } from '../../src/store/store.js';

const YAML = `checks:
  - { id: no-null-email, kind: sql_assert, source: app, query: "select id from users where email is null" }
  - { id: users-not-empty, kind: sql_assert, source: app, query: "select 1 where not exists (select 1 from users)" }
  - { id: emails-diff, kind: table_diff, key: [id], old: { source: app, table: users }, new: { source: app, table: users_copy }, segment_rows: 10 }
`;

/** The first database has the defect (a NULL email, a changed copy); the second, reached after the re-point, has none. */
const seed = (defective: boolean) => `create table users (id int primary key, email text);
  insert into users select g, case when ${defective} and g = 77 then null else 'u' || g || '@x' end from generate_series(1, 100) g;
  create table users_copy as select * from users; alter table users_copy add primary key (id);
  ${defective ? "update users_copy set email = 'changed' where id = 95;" : ''}`;

/** A registry that reaches `first` for the first `switchAfter` lookups of `app`, then `second`. */
function repointing(first: SourceRegistry, second: SourceRegistry, switchAfter: number): SourceRegistry & { lookups: () => number } {
  let lookups = 0;
  return {
    get: (name) => (lookups++ < switchAfter ? first : second).get(name),
    names: () => first.names(),
    specOf: (name) => first.specOf(name),
    closeAll: async () => {
      await first.closeAll();
      await second.closeAll();
    },
    lookups: () => lookups,
  };
}

describeOnPostgres('a source re-pointed in the middle of a run, on postgres', () => {
  let first: TestDatabase;
  let second: TestDatabase;
  let store: Store;
  let closeStore: () => Promise<void>;
  beforeAll(async () => {
    first = await createTestDatabase('postgres');
    await first.exec(seed(true));
    second = await createTestDatabase('postgres');
    await second.exec(seed(false));
    ({ store, close: closeStore } = await createTestStore('postgres'));
  });
  afterAll(async () => {
    await closeStore();
    await first.close();
    await second.close();
  });

  const catalog = () => catalogFromYaml(YAML, { app: first });
  const registries = (switchAfter: number) => {
    const c = catalog();
    const firstRegistry = registryForCatalog(c, { app: first });
    const secondCatalog = catalogFromYaml(YAML, { app: second });
    return { catalog: c, registry: repointing(firstRegistry, registryForCatalog(secondCatalog, { app: second }), switchAfter) };
  };

  it('a check whose identity was read on one database and its rows on another is "could not verify"', async () => {
    // Lookup 1: the identity (first database); lookups 2…: the replica-lag probe and the data (second).
    const { catalog: c, registry } = registries(1);
    try {
      const result = await execute(c.checks.get('no-null-email')!, registry);
      expect(result.status, result.summary).toBe('error');
      expect(result.error).toMatchObject({ code: 'server_changed_during_run' });
    } finally {
      await registry.closeAll();
    }
  });

  it('each switch point of a segmented table_diff is refused, never a pass about the first database', async () => {
    for (const switchAfter of [1, 2, 3, 5, 8, 13]) {
      const { catalog: c, registry } = registries(switchAfter);
      try {
        const result = await execute(c.checks.get('emails-diff')!, registry);
        expect(result.status, `switch after ${switchAfter} lookups: ${result.summary}`).not.toBe('pass');
      } finally {
        await registry.closeAll();
      }
    }
  });

  it('in a run, a later check reading another database than the run read first is refused', async () => {
    const c = catalog();
    // As many lookups as the first check takes alone, so all of it reads the first database and
    // the second check's reads reach the second (counted, not assumed: a pass's guards add reads).
    const alone = registries(1_000_000);
    try {
      const runAlone = createRunner({ store, sources: alone.registry, checkConcurrency: 1 });
      expect((await (await runAlone.start({ checks: [c.checks.get('users-not-empty')!], trigger: 'cli' })).finished).results[0]?.status).toBe('pass');
    } finally {
      await alone.registry.closeAll();
    }
    const { registry } = registries(alone.registry.lookups());
    const runner = createRunner({ store, sources: registry, checkConcurrency: 1 });
    try {
      const run = await (await runner.start({ checks: [c.checks.get('users-not-empty')!, c.checks.get('no-null-email')!], trigger: 'cli' })).finished;
      const byId = new Map(run.results.map((r) => [r.checkId, r]));
      expect(byId.get('users-not-empty')?.status).toBe('pass');
      expect(byId.get('no-null-email')?.status, byId.get('no-null-email')?.summary ?? '').toBe('error');
      expect(byId.get('no-null-email')?.error).toMatchObject({ code: 'server_changed_during_run' });
    } finally {
      await registry.closeAll();
    }
  });

  it('reads that all reach one database are not disturbed', async () => {
    const { catalog: c, registry } = registries(1_000_000);
    try {
      expect((await execute(c.checks.get('no-null-email')!, registry)).status).toBe('fail');
      expect((await execute(c.checks.get('emails-diff')!, registry)).status).toBe('fail');
    } finally {
      await registry.closeAll();
    }
  });
});
