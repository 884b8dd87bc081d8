/** Counter snapshots for kinds that judge "over the last window" (`unused`); the state store's side of CounterSnapshotStore. */
import { and, asc, desc, eq, lt, lte } from 'drizzle-orm';
import type { CounterSnapshotStore, StoredCounterSnapshot } from '../kinds/types.js';
import type { JsonValue } from '../results/outcome.js';
import type { StateDb } from './database.js';
import { counterSnapshots } from './schema.js';
import { databaseClock, type StoreClock } from './store-clock.js';

/** Snapshot queries over the drizzle state database. */
export function counterSnapshotQueries(db: StateDb, clock: StoreClock = databaseClock): CounterSnapshotStore {
  const ofScope = (checkId: string, scope: string) => and(eq(counterSnapshots.checkId, checkId), eq(counterSnapshots.scope, scope));

  const stored = (row: typeof counterSnapshots.$inferSelect): StoredCounterSnapshot => ({ at: row.takenAt, counters: row.counters as JsonValue, recordedAt: row.recordedAt });

  async function newestAtOrBefore(checkId: string, scope: string, cutoff: Date): Promise<StoredCounterSnapshot | undefined> {
    const [row] = await db.select().from(counterSnapshots)
      .where(and(ofScope(checkId, scope), lte(counterSnapshots.takenAt, cutoff)))
      .orderBy(desc(counterSnapshots.takenAt)).limit(1);
    return row && stored(row);
  }

  return {
    async recordCounters(checkId, scope, snapshot, keepSince) {
      // Same instant twice (two runs in one server transaction time) keeps the first: it is no older.
      const [inserted] = await db.insert(counterSnapshots)
        .values({ checkId, scope, takenAt: snapshot.at, counters: snapshot.counters, recordedAt: clock() })
        .onConflictDoNothing().returning({ recordedAt: counterSnapshots.recordedAt });
      const [kept] = inserted ? [inserted] : await db.select({ recordedAt: counterSnapshots.recordedAt }).from(counterSnapshots)
        .where(and(ofScope(checkId, scope), eq(counterSnapshots.takenAt, snapshot.at)));
      // Keep the newest snapshot old enough to serve as a baseline, and everything newer.
      const baseline = await newestAtOrBefore(checkId, scope, keepSince);
      if (baseline) await db.delete(counterSnapshots).where(and(ofScope(checkId, scope), lt(counterSnapshots.takenAt, baseline.at)));
      return { recordedAt: kept?.recordedAt ?? null };
    },
    async baselineCounters(checkId, scope, cutoff) {
      const old = await newestAtOrBefore(checkId, scope, cutoff);
      if (old) return old;
      const [oldest] = await db.select().from(counterSnapshots).where(ofScope(checkId, scope))
        .orderBy(asc(counterSnapshots.takenAt)).limit(1);
      return oldest && stored(oldest);
    },
  };
}
