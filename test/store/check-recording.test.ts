/**
 * Recording one check: the writes before its reads commit without waiting for the WAL flush, and
 * the outcome is written (and the lease released) only while the check's lease is still held.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import type { StateStore } from '../../src/store/store.js';
import type { FinishedResult } from '../../src/store/runs.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { createTestStore, describeOnPostgres, engines } from '../support/databases.js';

const PASS: Omit<FinishedResult, 'finishedAt'> = {
  status: 'pass', summary: 'ok', observations: { rows: 3 }, statements: [], durationMs: 4,
  samples: [{ category: 'mismatch', key: { id: '1' }, old: 'a', new: 'b' }],
};

describe.each([...engines, 'memory' as const])('recording a check on the %s store', (engine) => {
  let store: StateStore;
  let close: () => Promise<void>;
  beforeAll(async () => {
    if (engine === 'memory') {
      store = createMemoryStore();
      close = () => store.close();
    } else {
      ({ store, close } = await createTestStore(engine));
    }
  });
  afterAll(() => close());

  async function running(checkId: string, slot?: Date) {
    const runId = randomUUID();
    const resultId = randomUUID();
    await store.createRun({ id: runId, trigger: 'api', checkIds: [checkId], selector: {}, createdAt: new Date() });
    await store.startResult({ id: resultId, runId, checkId, kind: 'row_count', definitionHash: 'h', slot: slot ?? null });
    return { runId, resultId };
  }

  it('writes the running row with its slot, and stamps reading only while it runs', async () => {
    const slot = new Date('2026-03-04T05:06:00.000Z');
    const { resultId } = await running('stamped', slot);
    expect(await store.getResult(resultId)).toMatchObject({ status: 'running', slot, readAt: null, finishedAt: null });
    await store.markReading(resultId);
    const read = (await store.getResult(resultId))!.readAt;
    expect(read).toBeInstanceOf(Date);
    await store.finishResult(resultId, { ...PASS, finishedAt: new Date() });
    await store.markReading(resultId);
    expect((await store.getResult(resultId))!.readAt).toEqual(read);
  });

  it('records the outcome and releases the lease together while the lease is held', async () => {
    const { runId, resultId } = await running('held');
    expect(await store.acquireLease({ checkId: 'held', runId, holder: 'me', now: new Date(), ttlMs: 60_000 })).toBe(true);
    const at = await store.finishLeasedResult(resultId, { ...PASS, finishedAt: new Date(0) }, { checkId: 'held', runId });
    expect(at).toBeInstanceOf(Date);
    expect(await store.leaseOf('held')).toBeUndefined();
    expect(await store.getResult(resultId)).toMatchObject({ status: 'pass', finishedAt: at, observations: { rows: 3 }, samples: PASS.samples });
  });

  it('writes nothing and answers lease_lost once the lease is another run\'s', async () => {
    const { runId, resultId } = await running('stolen');
    expect(await store.acquireLease({ checkId: 'stolen', runId, holder: 'me', now: new Date(), ttlMs: 60_000 })).toBe(true);
    // Reaped (or lost with a store crash) and taken by another execution.
    await store.releaseLease('stolen', runId);
    expect(await store.acquireLease({ checkId: 'stolen', runId: 'usurper', holder: 'other', now: new Date(), ttlMs: 60_000 })).toBe(true);
    expect(await store.finishLeasedResult(resultId, { ...PASS, finishedAt: new Date() }, { checkId: 'stolen', runId })).toBe('lease_lost');
    expect(await store.getResult(resultId)).toMatchObject({ status: 'running', finishedAt: null, samples: [] });
    expect(await store.leaseOf('stolen')).toMatchObject({ runId: 'usurper' });
    await store.releaseLease('stolen', 'usurper');
  });

  it('still takes over only a lapsed lease', async () => {
    const now = new Date();
    expect(await store.acquireLease({ checkId: 'lapse', runId: 'a', holder: 'x', now, ttlMs: 1_000 })).toBe(true);
    expect(await store.acquireLease({ checkId: 'lapse', runId: 'b', holder: 'y', now: new Date(now.getTime() + 999), ttlMs: 1_000 })).toBe(false);
    expect(await store.acquireLease({ checkId: 'lapse', runId: 'b', holder: 'y', now: new Date(now.getTime() + 1_001), ttlMs: 1_000 })).toBe(true);
    expect(await store.leaseOf('lapse')).toMatchObject({ runId: 'b', holder: 'y' });
    await store.releaseLease('lapse', 'b');
  });
});

describeOnPostgres('asynchronous commit of the pre-read writes', () => {
  it('turns synchronous_commit off for the statement\'s own transaction only', async () => {
    const { ASYNC_COMMIT } = await import('../../src/store/async-commit.js');
    const { close, url } = await createTestStore('postgres');
    // One connection: the setting is read back on the very session that wrote asynchronously.
    const client = postgres(url!, { max: 1, onnotice: () => {} });
    try {
      const { PgDialect } = await import('drizzle-orm/pg-core');
      const { sql } = await import('drizzle-orm');
      const inside = new PgDialect().sqlToQuery(sql`${ASYNC_COMMIT} select setting from async_commit`);
      const [row] = await client.unsafe(inside.sql, inside.params as never[]);
      expect(row).toEqual({ setting: 'off' });
      const [after] = await client.unsafe('show synchronous_commit');
      expect(after).toEqual({ synchronous_commit: 'on' });
    } finally {
      await client.end();
      await close();
    }
  });
});
