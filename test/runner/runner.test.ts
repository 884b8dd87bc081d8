import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { RunObserver } from '../../src/runner/run-types.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, createTestStore, describeOnPostgres, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';
import type { SourceRegistry } from '../../src/sources/registry.js';

const CHECKS = `
checks:
  - { id: passes, kind: sql_assert, source: app, query: "select 1 from pg_namespace where nspname = 'parity_never'", tags: [fast] }
  - { id: fails, kind: sql_assert, source: app, query: "select id from t where id < 3", tags: [fast] }
  - { id: errors, kind: sql_assert, source: app, query: "select * from missing_table" }
  - { id: slow-a, kind: sql_assert, source: app, query: "select nspname from pg_catalog.pg_namespace where nspname = 'parity_never' or (select pg_sleep(0.3)::text) = 'never'" }
  - { id: slow-b, kind: sql_assert, source: app, query: "select nspname from pg_catalog.pg_namespace where nspname = 'parity_never' or (select pg_sleep(0.3)::text) = 'never'" }
`;

describe.each(engines)('runner on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let closeStore: () => Promise<void>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec('create table t (id int primary key); insert into t select generate_series(1, 10);');
    ({ store, close: closeStore } = await createTestStore(engine));
  });
  afterAll(async () => {
    await closeStore();
    await db.close();
  });

  function setup(observers: RunObserver[] = [], extraSource = '') {
    const catalog = catalogFromYaml(CHECKS + extraSource, { app: db });
    const sources = registryForCatalog(catalog, { app: db });
    const runner = createRunner({ store, sources, observers });
    return { catalog, sources, runner };
  }

  it('records one result per check and a summary; errors are never counted as passes', async () => {
    const { catalog, sources, runner } = setup();
    const checks = ['passes', 'fails', 'errors'].map((id) => catalog.checks.get(id)!);
    const { run, finished } = await runner.start({ checks, trigger: 'api', requestedBy: 'tester' });
    expect(run.status).toBe('queued');
    const done = await finished;
    await sources.closeAll();
    expect(done).toMatchObject({ status: 'finished', requestedBy: 'tester', summary: { pass: 1, fail: 1, error: 1, total: 3 } });
    const byId = Object.fromEntries(done.results.map((r) => [r.checkId, r]));
    expect(byId.passes?.status).toBe('pass');
    expect(byId.fails?.status).toBe('fail');
    expect(byId.errors).toMatchObject({ status: 'error', error: { code: 'missing_relation' } });
    expect(byId.fails?.definitionHash).toBe(catalog.checks.get('fails')!.hash);
  });

  it('tells observers about every check and the run', async () => {
    const events: string[] = [];
    const { catalog, sources, runner } = setup([{
      runStarted: () => events.push('run-started'),
      checkStarted: (e) => events.push(`start:${e.check.spec.id}`),
      checkFinished: (e) => events.push(`finish:${e.check.spec.id}:${e.result.status}`),
      runFinished: () => events.push('run-finished'),
    }]);
    const { finished } = await runner.start({ checks: [catalog.checks.get('passes')!], trigger: 'api' });
    await finished;
    await sources.closeAll();
    expect(events).toEqual(['run-started', 'start:passes', 'finish:passes:pass', 'run-finished']);
  });

  it('a throwing observer does not break the run', async () => {
    const { catalog, sources, runner } = setup([{ checkFinished: () => { throw new Error('observer bug'); } }]);
    const { finished } = await runner.start({ checks: [catalog.checks.get('passes')!], trigger: 'api' });
    expect((await finished).summary).toMatchObject({ pass: 1 });
    await sources.closeAll();
  });
});

describeOnPostgres('runner against real Postgres sources', () => {
  it('bounds concurrency per source by max_connections', async () => {
    const db = await createTestDatabase('postgres');
    const { store, close } = await createTestStore('pglite');
    try {
      const catalog = catalogFromYaml(CHECKS, { app: db });
      const spec = catalog.sources.get('app')!.spec;
      spec.max_connections = 1;
      const sources = registryForCatalog(catalog, { app: db });
      const runner = createRunner({ store, sources, checkConcurrency: 8 });
      const started = performance.now();
      const { finished } = await runner.start({ checks: ['slow-a', 'slow-b'].map((id) => catalog.checks.get(id)!), trigger: 'api' });
      const done = await finished;
      const elapsed = performance.now() - started;
      await sources.closeAll();
      expect(done.summary).toMatchObject({ pass: 2 });
      // Two 300 ms statements through one connection cannot overlap.
      expect(elapsed).toBeGreaterThanOrEqual(600);
    } finally {
      await close();
      await db.close();
    }
  });

  it('cancelling a run cancels the running statement and records error, not pass', async () => {
    const db = await createTestDatabase('postgres');
    const { store, close } = await createTestStore('pglite');
    try {
      const catalog = catalogFromYaml(`
checks:
  - { id: very-slow, kind: sql_assert, source: app, query: "select 1 from pg_sleep(30)", expect: { rows: 1 } }
`, { app: db });
      const sources = registryForCatalog(catalog, { app: db });
      const runner = createRunner({ store, sources });
      const { run, finished } = await runner.start({ checks: [catalog.checks.get('very-slow')!], trigger: 'api' });
      await new Promise((r) => setTimeout(r, 300));
      const started = performance.now();
      expect(runner.cancel(run.id)).toBe(true);
      const done = await finished;
      await sources.closeAll();
      expect(performance.now() - started).toBeLessThan(5_000);
      expect(done.status).toBe('cancelled');
      expect(done.results[0]).toMatchObject({ status: 'error', error: { code: 'cancelled' } });
    } finally {
      await close();
      await db.close();
    }
  });

  it('a statement timeout is an error with code timeout', async () => {
    const db = await createTestDatabase('postgres');
    const { store, close } = await createTestStore('pglite');
    try {
      const catalog = catalogFromYaml(`
checks:
  - { id: too-slow, kind: sql_assert, source: app, query: "select 1 from pg_sleep(5)", expect: { rows: 1 }, timeout: 200ms }
`, { app: db });
      const sources = registryForCatalog(catalog, { app: db });
      const runner = createRunner({ store, sources });
      const done = await (await runner.start({ checks: [catalog.checks.get('too-slow')!], trigger: 'api' })).finished;
      await sources.closeAll();
      expect(done.results[0]).toMatchObject({ status: 'error', error: { code: 'timeout', sqlstate: '57014' } });
    } finally {
      await close();
      await db.close();
    }
  });
});

describe.each(engines)('a run reads through the sources it started with, on %s', (engine) => {
  let before: TestDatabase;
  let after: TestDatabase;
  let store: Store;
  let closeStore: () => Promise<void>;
  beforeAll(async () => {
    before = await createTestDatabase(engine);
    after = await createTestDatabase(engine);
    for (const db of [before, after]) await db.exec('create table t (id int primary key)');
    await after.exec('insert into t values (1)');
    ({ store, close: closeStore } = await createTestStore(engine));
  });
  afterAll(async () => {
    await closeStore();
    await before.close();
    await after.close();
  });

  it('keeps reading the registry of its start after a reload swaps the service\'s', async () => {
    const yaml = `checks:
  - { id: first, kind: sql_assert, source: app, query: "select id from t" }
  - { id: second, kind: sql_assert, source: app, query: "select id from t" }
`;
    const catalog = catalogFromYaml(yaml, { app: before });
    const registries = [registryForCatalog(catalog, { app: before }), registryForCatalog(catalogFromYaml(yaml, { app: after }), { app: after })];
    let current = registries[0]!;
    // The service's view: always the newest registry, which a reload replaces.
    const view: SourceRegistry = {
      get: (name) => current.get(name), names: () => current.names(), specOf: (name) => current.specOf(name),
      closeAll: async () => {}, pinned: () => current,
    };
    // The reload lands while the first check runs; the second starts after it (one at a time).
    const runner = createRunner({ store, sources: view, checkConcurrency: 1, observers: [{ checkStarted: () => { current = registries[1]!; } }] });
    try {
      const done = await (await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
      // Both read the database the run started with (empty t: pass), never the swapped-in one.
      expect(done.results.map((r) => [r.checkId, r.status])).toEqual([['first', 'pass'], ['second', 'pass']]);
    } finally {
      await Promise.all(registries.map((r) => r.closeAll()));
    }
  });
});

