/** Counter snapshots for kinds that judge "over the last window" (`unused`); the state store's side of CounterSnapshotStore. */
import { and, asc, desc, eq, lt, lte } from 'drizzle-orm';
import type { CounterSnapshot, CounterSnapshotStore } from '../kinds/types.js';
import type { JsonValue } from '../results/outcome.js';
import type { StateDb } from './database.js';
import { counterSnapshots } from './schema.js';

/** Snapshot queries over the drizzle state database. */
export function counterSnapshotQueries(db: StateDb): CounterSnapshotStore {
  const ofScope = (checkId: string, scope: string) => and(eq(counterSnapshots.checkId, checkId), eq(counterSnapshots.scope, scope));

  async function newestAtOrBefore(checkId: string, scope: string, cutoff: Date): Promise<CounterSnapshot | undefined> {
    const [row] = await db.select().from(counterSnapshots)
      .where(and(ofScope(checkId, scope), lte(counterSnapshots.takenAt, cutoff)))
      .orderBy(desc(counterSnapshots.takenAt)).limit(1);
    return row && { at: row.takenAt, counters: row.counters as JsonValue };
  }

  return {
    async recordCounters(checkId, scope, snapshot, keepSince) {
      // Same instant twice (two runs in one server transaction time) keeps the first: it is no older.
      await db.insert(counterSnapshots).values({ checkId, scope, takenAt: snapshot.at, counters: snapshot.counters })
        .onConflictDoNothing();
      // Keep the newest snapshot old enough to serve as a baseline, and everything newer.
      const baseline = await newestAtOrBefore(checkId, scope, keepSince);
      if (baseline) await db.delete(counterSnapshots).where(and(ofScope(checkId, scope), lt(counterSnapshots.takenAt, baseline.at)));
    },
    async baselineCounters(checkId, scope, cutoff) {
      const old = await newestAtOrBefore(checkId, scope, cutoff);
      if (old) return old;
      const [oldest] = await db.select().from(counterSnapshots).where(ofScope(checkId, scope))
        .orderBy(asc(counterSnapshots.takenAt)).limit(1);
      return oldest && { at: oldest.takenAt, counters: oldest.counters as JsonValue };
    },
  };
}
