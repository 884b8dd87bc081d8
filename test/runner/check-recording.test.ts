/**
 * What a check costs the state store, counted on a real Postgres (every statement the store's
 * client sends), and what happens when its lease is lost before the outcome is written.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import { createLeaseGuard } from '../../src/runner/check-guard.js';
import { systemClock } from '../../src/runner/clock.js';
import type { CheckGuard } from '../../src/runner/run-types.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, createTestStore, describeOnPostgres, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const checksYaml = (count: number) => `checks:\n${Array.from({ length: count }, (_, i) => `  - { id: c${i}, kind: sql_assert, source: app, query: "select id from t where id < 0 and ${i} = ${i}" }`).join('\n')}\n`;

/** Statements that commit a write and wait for its flush: a write without the async_commit CTE. */
const flushedWrite = (text: string) => /^\s*(with released|insert|update|delete)\b/i.test(text) && !text.includes('async_commit');

describeOnPostgres('store statements per check', () => {
  let db: TestDatabase;
  let store: Store;
  let close: () => Promise<void>;
  const sent: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec('create table t (id int primary key); insert into t values (1), (2);');
    ({ store, close } = await createTestStore('postgres', { onStatement: (text) => sent.push(text) }));
  });
  afterAll(async () => {
    await close();
    await db.close();
  });

  /** The store statements of one run of `count` checks, one at a time, each under its lease. */
  async function statementsOfRun(count: number): Promise<string[]> {
    const catalog = catalogFromYaml(checksYaml(count), { app: db });
    const sources = registryForCatalog(catalog, { app: db });
    const runner = createRunner({ store, sources, checkConcurrency: 1, guard: createLeaseGuard(store, { holder: 'counter', clock: systemClock }) });
    sent.length = 0;
    const { finished } = await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' });
    const run = await finished;
    await sources.closeAll();
    expect(run.results.map((r) => r.status)).toEqual(Array(count).fill('pass'));
    // Run-level statements (the run row, heartbeats, the client's one-time type lookup) are the same for any count.
    return sent.filter((text) => !text.includes('"heartbeat_at"') && !text.includes('pg_catalog.pg_type'));
  }

  it('sends three statements per check, one of them a flushed commit', async () => {
    const few = await statementsOfRun(3);
    const many = await statementsOfRun(9);
    const perCheck = (many.length - few.length) / 6;
    const flushedPerCheck = (many.filter(flushedWrite).length - few.filter(flushedWrite).length) / 6;
    // Running row, lease + read stamp in one (neither waiting for the flush), then outcome + release in one.
    expect(perCheck).toBe(3);
    expect(flushedPerCheck).toBe(1);
  });
});

describe.each(engines)('taking a lease stamps the result\'s read_at, on %s', (engine) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await createTestStore(engine));
  });
  afterAll(async () => {
    await close();
  });

  it('stamps read_at only when this very request took the lease, and only on a running result', async () => {
    const run = await store.createRun({ id: randomUUID(), trigger: 'api', requestedBy: 'test', checkIds: ['k'], selector: {}, createdAt: new Date() });
    const other = await store.createRun({ id: randomUUID(), trigger: 'api', requestedBy: 'test', checkIds: ['k'], selector: {}, createdAt: new Date() });
    const mine = randomUUID();
    const waiting = randomUUID();
    await store.startResult({ id: mine, runId: run.id, checkId: 'k', kind: 'sql_assert', definitionHash: 'h', slot: null });
    await store.startResult({ id: waiting, runId: other.id, checkId: 'k', kind: 'sql_assert', definitionHash: 'h', slot: null });
    const now = new Date();
    expect(await store.acquireLease({ checkId: 'k', runId: run.id, holder: 'a', now, ttlMs: 600_000, readingResultId: mine })).toBe(true);
    // The lease is live: another run's request takes nothing and stamps nothing.
    expect(await store.acquireLease({ checkId: 'k', runId: other.id, holder: 'b', now, ttlMs: 600_000, readingResultId: waiting })).toBe(false);
    expect((await store.getResult(mine))?.readAt).toBeInstanceOf(Date);
    expect((await store.getResult(waiting))?.readAt).toBeNull();
  });
});

describe.each(engines)('a lease lost before the outcome is written, on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec('create table t (id int primary key); insert into t values (1), (2);');
    ({ store, close } = await createTestStore(engine));
  });
  afterAll(async () => {
    await close();
    await db.close();
  });

  it('records could-not-verify (lease_lost), never the finding, and leaves the other holder\'s lease alone', async () => {
    const catalog = catalogFromYaml(checksYaml(1), { app: db });
    const sources = registryForCatalog(catalog, { app: db });
    const leases = createLeaseGuard(store, { holder: 'me', clock: systemClock, ttlMs: 600_000 });
    // The store loses this run's lease (reaped, or gone with a crash of the store) and another
    // execution takes it, after this one got its turn and before its outcome is written.
    const guard: CheckGuard = {
      async acquire(request) {
        const lease = await leases.acquire(request);
        await store.releaseLease(request.checkId, request.runId);
        await store.acquireLease({ checkId: request.checkId, runId: 'usurper', holder: 'other', now: new Date(), ttlMs: 600_000 });
        return lease;
      },
    };
    const runner = createRunner({ store, sources, guard });
    const { finished } = await runner.start({ checks: [catalog.checks.get('c0')!], trigger: 'api' });
    const run = await finished;
    await sources.closeAll();
    expect(run.results[0]).toMatchObject({ status: 'error', error: { code: 'lease_lost' }, samples: [] });
    expect(run.summary).toMatchObject({ pass: 0, error: 1 });
    expect(await store.leaseOf('c0')).toMatchObject({ runId: 'usurper' });
  });
});
