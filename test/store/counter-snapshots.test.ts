import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { createTestStore, engines } from '../support/databases.js';

const at = (hour: number) => new Date(Date.UTC(2026, 0, 1, hour));

describe.each(engines)('counter snapshots in the state store on %s', (engine) => {
  let store: Store;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ store, close } = await createTestStore(engine));
  });
  afterAll(() => close());

  it('has no baseline before the first snapshot', async () => {
    expect(await store.baselineCounters('c', 's', at(10))).toBeUndefined();
  });

  it('answers the newest snapshot at or before the cutoff, else the oldest, per check and scope', async () => {
    await store.recordCounters('c', 's', { at: at(0), counters: { n: 0 } }, at(-24));
    await store.recordCounters('c', 's', { at: at(5), counters: { n: 5 } }, at(-19));
    await store.recordCounters('c', 'other', { at: at(1), counters: { n: 100 } }, at(-23));
    expect(await store.baselineCounters('c', 's', at(6))).toEqual({ at: at(5), counters: { n: 5 }, recordedAt: expect.any(Date) });
    expect(await store.baselineCounters('c', 's', at(4))).toEqual({ at: at(0), counters: { n: 0 }, recordedAt: expect.any(Date) });
    // Nothing old enough: the oldest there is, so the caller can report partial coverage.
    expect(await store.baselineCounters('c', 's', at(-1))).toEqual({ at: at(0), counters: { n: 0 }, recordedAt: expect.any(Date) });
    expect(await store.baselineCounters('other-check', 's', at(6))).toBeUndefined();
  });

  it('stamps each snapshot with the store\'s own clock, and answers the stamp of one already there', async () => {
    const before = Date.now();
    const first = await store.recordCounters('stamped', 's', { at: at(-100), counters: { n: 1 } }, at(-200));
    // The store's clock, not the snapshot's (the verified server's) time.
    expect(first.recordedAt?.getTime()).toBeGreaterThanOrEqual(before - 5_000);
    const again = await store.recordCounters('stamped', 's', { at: at(-100), counters: { n: 2 } }, at(-200));
    expect(again.recordedAt).toEqual(first.recordedAt);
    expect(await store.baselineCounters('stamped', 's', at(0))).toEqual({ at: at(-100), counters: { n: 1 }, recordedAt: first.recordedAt });
  });

  it('answers a snapshot written before stores kept their clock with no store time', async () => {
    const { sql } = await import('drizzle-orm');
    await store.recordCounters('legacy', 's', { at: at(-50), counters: { n: 1 } }, at(-100));
    await store.state.db.execute(sql`update parity.counter_snapshots set recorded_at = null where check_id = 'legacy'`);
    expect(await store.baselineCounters('legacy', 's', at(0))).toEqual({ at: at(-50), counters: { n: 1 }, recordedAt: null });
  });

  it('prunes only snapshots older than the newest one that can still serve as a baseline', async () => {
    await store.recordCounters('c', 's', { at: at(30), counters: { n: 30 } }, at(6));
    expect(await store.baselineCounters('c', 's', at(6))).toEqual({ at: at(5), counters: { n: 5 }, recordedAt: expect.any(Date) });
    expect(await store.baselineCounters('c', 's', at(4))).toEqual({ at: at(5), counters: { n: 5 }, recordedAt: expect.any(Date) });
    expect(await store.baselineCounters('c', 'other', at(6))).toEqual({ at: at(1), counters: { n: 100 }, recordedAt: expect.any(Date) });
  });
});
