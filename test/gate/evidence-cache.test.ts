/**
 * The gate's evidence cache must never let a cached "allowed" outlive what should deny it: a newer
 * result (this process's own, or another writer's heard through LISTEN), a definition change, or
 * max_age running out between answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvidenceCache } from '../../src/gate/evidence-cache.js';
import { createGateService } from '../../src/gate/gate-service.js';
import { createRunner } from '../../src/runner/runner.js';
import { systemClock } from '../../src/runner/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import type { GateEvidence } from '../../src/store/gates.js';
import { createTestDatabase, createTestStore, describeOnPostgres, engines, type TestDatabase } from '../support/databases.js';
import { fakeClock } from '../support/fake-clock.js';
import { createGateWorld, type GateWorld } from '../support/gate-world.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const YAML = (maxAge = '1h', query = 'select id from t where id < 0') => `
checks:
  - id: t-ok
    kind: sql_assert
    source: app
    query: "${query}"
migrations:
  - id: m
    phases:
      - name: go
        requires: [t-ok]
        max_age: ${maxAge}
`;

describe('evidence cache (reads counted)', () => {
  const evidence = (nowIso: string): GateEvidence => ({ now: new Date(nowIso), latest: new Map() });

  it('reuses a read within the TTL and ages `now` by the time elapsed since the read began', async () => {
    const clock = fakeClock('2025-06-01T12:00:00.000Z', 0);
    let reads = 0;
    const cache = createEvidenceCache({ clock, ttlMs: 1_000, load: async () => { reads++; return evidence('2030-01-01T00:00:00.000Z'); } });
    expect((await cache.read(['a'])).now.toISOString()).toBe('2030-01-01T00:00:00.000Z');
    clock.advance(400);
    const later = await cache.read(['a']);
    expect(reads).toBe(1);
    expect(later.now.toISOString()).toBe('2030-01-01T00:00:00.400Z');
    clock.advance(601);
    await cache.read(['a']);
    expect(reads).toBe(2);
  });

  it('reads again after an invalidation, and does not keep a read that a change overtook', async () => {
    const clock = fakeClock('2025-06-01T12:00:00.000Z', 0);
    let reads = 0;
    let release!: () => void;
    const cache = createEvidenceCache({
      clock, ttlMs: 60_000,
      load: async () => {
        reads++;
        if (reads === 2) await new Promise<void>((resolve) => { release = resolve; });
        return evidence('2030-01-01T00:00:00.000Z');
      },
    });
    await cache.read(['a']);
    cache.invalidate();
    const slow = cache.read(['a']);
    await new Promise((resolve) => setImmediate(resolve));
    // A change heard while the second read is under way: its result predates the change.
    cache.invalidate();
    release();
    await slow;
    await cache.read(['a']);
    expect(reads).toBe(3);
  });

  it('drops an entry when the clock went backwards, and shares one read among concurrent askers', async () => {
    const clock = fakeClock('2025-06-01T12:00:00.000Z', 0);
    let reads = 0;
    const cache = createEvidenceCache({ clock, ttlMs: 1_000, load: async () => { reads++; return evidence('2030-01-01T00:00:00.000Z'); } });
    await Promise.all([cache.read(['a', 'b']), cache.read(['b', 'a']), cache.read(['a', 'b'])]);
    expect(reads).toBe(1);
    clock.set('2025-06-01T11:59:59.000Z');
    await cache.read(['a', 'b']);
    expect(reads).toBe(2);
  });

  it('reads the store on every answer with a TTL of 0', async () => {
    let reads = 0;
    const cache = createEvidenceCache({ clock: systemClock, ttlMs: 0, load: async () => { reads++; return evidence('2030-01-01T00:00:00.000Z'); } });
    await cache.read(['a']);
    await cache.read(['a']);
    expect(reads).toBe(2);
  });
});

describe.each(engines)('cached gate answers on %s', (engine) => {
  let world: GateWorld;
  beforeAll(async () => {
    world = await createGateWorld(engine, { yaml: YAML(), seedSql: 'create table t (id int); insert into t values (1)' });
  });
  afterAll(() => world.close());

  it('denies at once after this process writes a failing result, well inside the TTL', async () => {
    world.setYaml(YAML());
    await world.run(['t-ok']);
    expect((await world.gates.decide('m', 'go')).allowed).toBe(true);
    world.setYaml(YAML('1h', 'select id from t'));
    // Same definition as judged? No: the query changed, so the very next answer denies…
    const changed = await world.gates.decide('m', 'go');
    expect(changed.allowed).toBe(false);
    expect(changed.reasons[0]).toMatch(/under another definition/);
    // …and a failing result under the new definition is judged by the next answer too.
    await world.run(['t-ok']);
    const failed = await world.gates.decide('m', 'go');
    expect(failed.allowed).toBe(false);
    expect(failed.reasons[0]).toMatch(/failed/);
  });

  it('lets max_age run out between answers served from the same read', async () => {
    world.setYaml(YAML('500ms'));
    await world.run(['t-ok']);
    expect((await world.gates.decide('m', 'go')).allowed).toBe(true);
    // Both answers come from the same read (inside the 1 s evidence TTL); the second is past
    // max_age, because an answer's `now` is its own, not the read's.
    world.clock.advance(200);
    expect((await world.gates.decide('m', 'go')).allowed).toBe(true);
    world.clock.advance(400);
    const expired = await world.gates.decide('m', 'go');
    expect(expired.allowed).toBe(false);
    expect(expired.reasons[0]).toMatch(/older than max_age 500ms/);
  });
});

describeOnPostgres('gate answers and other writers (Postgres LISTEN)', () => {
  let db: TestDatabase;
  let state: Awaited<ReturnType<typeof createTestStore>>;
  let writer: Store;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec('create table t (id int); insert into t values (1)');
    state = await createTestStore('postgres');
    writer = await openStore({ databaseUrl: state.url!, dataDir: 'memory:unused' });
  });
  afterAll(async () => {
    await writer.close();
    await state.close();
    await db.close();
  });

  /** A gate on `state.store` with a 60 s TTL, and a runner (another "replica") on `writer`. */
  const setup = (listen: boolean) => {
    const catalog = catalogFromYaml(YAML(), { app: db });
    const sources = registryForCatalog(catalog, { app: db });
    if (listen) state.store.followOtherWriters();
    const gates = createGateService({
      store: state.store, runner: createRunner({ store: state.store, sources }), catalog: () => catalog, clock: systemClock, evidenceTtlMs: 60_000,
    });
    const other = createRunner({ store: writer, sources });
    const runOther = async () => (await other.start({ checks: [catalog.checks.get('t-ok')!], trigger: 'cli' })).finished;
    return { gates, sources, runOther, close: async () => { await gates.close(); await sources.closeAll(); } };
  };

  const deniedWithin = async (gates: ReturnType<typeof setup>['gates'], ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!(await gates.decide('m', 'go')).allowed) return true;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return false;
  };

  it('without LISTEN a cached allow survives another writer\'s failing result until the TTL (the cache is real)', async () => {
    const world = setup(false);
    try {
      await db.exec('truncate t; insert into t values (1)');
      await world.runOther();
      expect((await world.gates.decide('m', 'go')).allowed).toBe(true);
      await db.exec('insert into t values (-1)');
      await world.runOther();
      expect(await deniedWithin(world.gates, 500)).toBe(false);
    } finally {
      await world.close();
    }
  });

  it('with LISTEN another writer\'s failing result denies within moments, long before the TTL', async () => {
    const world = setup(true);
    try {
      await db.exec('truncate t; insert into t values (1)');
      await world.runOther();
      // Let the LISTEN connection come up and its (re)connect invalidation pass.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await world.gates.decide('m', 'go')).allowed).toBe(true);
      await db.exec('insert into t values (-1)');
      await world.runOther();
      expect(await deniedWithin(world.gates, 3_000)).toBe(true);
      expect(state.store.resultChanges.hearsOtherWriters()).toBe(true);
    } finally {
      await world.close();
    }
  });
});
