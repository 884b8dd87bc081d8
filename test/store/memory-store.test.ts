/**
 * The in-process store of a one-shot run: leases still exclude, results read back like stored ones,
 * and what only a persistent store can answer throws instead of answering from nothing.
 */
import { describe, expect, it } from 'vitest';
import { createMemoryStore, StoreNotKeptError } from '../../src/store/memory-store.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('memory store', () => {
  it('gives a check lease to one run at a time until it is released or lapses', async () => {
    const store = createMemoryStore();
    expect(await store.acquireLease({ checkId: 'c', runId: 'r1', holder: 'h', now: at(0), ttlMs: 10_000 })).toBe(true);
    expect(await store.acquireLease({ checkId: 'c', runId: 'r2', holder: 'h', now: at(5), ttlMs: 10_000 })).toBe(false);
    expect(await store.renewLease({ checkId: 'c', runId: 'r2', now: at(5), ttlMs: 10_000 })).toBe(false);
    expect(await store.acquireLease({ checkId: 'c', runId: 'r2', holder: 'h', now: at(11), ttlMs: 10_000 })).toBe(true);
    expect(await store.renewLease({ checkId: 'c', runId: 'r1', now: at(12), ttlMs: 10_000 })).toBe(false);
    await store.releaseLease('c', 'r1');
    expect((await store.leaseOf('c'))?.runId).toBe('r2');
    await store.releaseLease('c', 'r2');
    expect(await store.leaseOf('c')).toBeUndefined();
  });

  it('records a run and reads its results back with samples, keys in jsonb order', async () => {
    const store = createMemoryStore();
    await store.createRun({ id: 'r', trigger: 'cli', checkIds: ['c'], selector: {}, createdAt: at(0) });
    await store.startRun('r', 'me', at(0));
    await store.startResult({ id: 'x', runId: 'r', checkId: 'c', kind: 'row_count', definitionHash: 'h' });
    await store.markReading('x');
    const finishedAt = await store.finishResult('x', {
      status: 'fail', summary: 's', observations: { rows_scanned: 2, rows: 1 }, statements: [], finishedAt: at(1), durationMs: 1.6,
      samples: [{ category: 'missing_in_new', key: { id: '1' }, old: null }],
    });
    const run = await store.getRun('r');
    expect(run?.results).toHaveLength(1);
    const [result] = run!.results;
    expect(result!.finishedAt).toEqual(finishedAt);
    expect(Object.keys(result!.observations)).toEqual(['rows', 'rows_scanned']);
    expect(result!.durationMs).toBe(2);
    expect(result!.samples).toEqual([{ category: 'missing_in_new', key: { id: '1' }, old: null }]);
    expect((await store.latestFinished(['c'])).get('c')?.id).toBe('x');
  });

  it('refuses gate evidence, gate decisions and scheduling: no state store is configured', async () => {
    const store = createMemoryStore();
    await expect(store.gateEvidence(['c'])).rejects.toBeInstanceOf(StoreNotKeptError);
    await expect(store.gateEvidence(['c'])).rejects.toThrow('gate evidence needs a state store, and none is configured');
    await expect(store.listGateDecisions('m', { limit: 1 })).rejects.toBeInstanceOf(StoreNotKeptError);
    await expect(store.claimSlot({ checkId: 'c', slot: at(0), claimedBy: 'me', claimedAt: at(0) } as never)).rejects.toBeInstanceOf(StoreNotKeptError);
  });

  // An incremental check with no kept results has no full pass to extend: it must read everything.
  it('offers no incremental chain, even after a finished result, so incremental checks run full passes', async () => {
    const store = createMemoryStore();
    await store.createRun({ id: 'r', trigger: 'cli', checkIds: ['inc'], selector: {}, createdAt: new Date() });
    await store.startResult({ id: 'x', runId: 'r', checkId: 'inc', kind: 'null_check', definitionHash: 'h' });
    await store.finishResult('x', { status: 'pass', summary: 's', observations: { incremental: { mode: 'full' } }, statements: [], error: null, finishedAt: new Date(), durationMs: 1, samples: [] });
    expect(await store.incrementalChain('inc')).toEqual([]);
  });

  it('keeps counter snapshots for the process: the newest at or before the cutoff, else the oldest', async () => {
    const store = createMemoryStore();
    expect(await store.baselineCounters('c', 's', at(10))).toBeUndefined();
    await store.recordCounters('c', 's', { at: at(1), counters: { n: 1 } }, at(0));
    await store.recordCounters('c', 's', { at: at(5), counters: { n: 5 } }, at(0));
    expect(await store.baselineCounters('c', 's', at(0))).toEqual({ at: at(1), counters: { n: 1 }, recordedAt: expect.any(Date) });
    expect(await store.baselineCounters('c', 's', at(6))).toEqual({ at: at(5), counters: { n: 5 }, recordedAt: expect.any(Date) });
  });
});
