/**
 * Checkpoints of chunked scans and table_diff's key-range segments: the state store's side of
 * kinds/types.ts's ScanCheckpoint.
 * A run claims a scan's row (taking it over from a dead run, with its progress if still fresh),
 * then records each chunk with one conditional UPDATE — only while it still owns the row — so two
 * runs never both add to the same progress.
 */
import { and, eq, getTableColumns, lt, sql } from 'drizzle-orm';
import type { ResumableProgress, ScanProgress } from '../kinds/types.js';
import type { StateDb } from './database.js';
import { scanCheckpoints } from './schema.js';
import { databaseClock, type StoreClock } from './store-clock.js';

export type { ResumableProgress, ScanProgress };

/** Progress as the store holds it: its lag record is validated by the run that claims it (runner/scans.ts). */
export type StoredProgress = Omit<ResumableProgress, 'readUnder'> & { readUnder: unknown };

export interface CheckpointClaim {
  scanKey: string;
  runId: string;
  checkIds: string[];
  /** Progress whose first chunk is older than this is discarded (0: never resume). */
  maxAgeMs: number;
}

/** Checkpoint queries over the drizzle state database; times come from the store's clock. */
export function scanCheckpointQueries(db: StateDb, clock: StoreClock = databaseClock) {
  return {
    /**
     * Makes `runId` the owner of the scan's checkpoint, in one transaction: progress another run
     * left behind is returned when it began within `maxAgeMs`; otherwise the row starts empty.
     */
    async claimCheckpoint(claim: CheckpointClaim): Promise<StoredProgress | undefined> {
      return db.transaction(async (tx) => {
        const [row] = await tx.select({
          ...getTableColumns(scanCheckpoints),
          fresh: sql<boolean>`${scanCheckpoints.startedAt} >= (${clock()}) - make_interval(secs => ${claim.maxAgeMs / 1000})`,
        }).from(scanCheckpoints).where(eq(scanCheckpoints.scanKey, claim.scanKey)).for('update');
        const usable = row && claim.maxAgeMs > 0 && row.fresh && row.runId !== claim.runId && row.lastKey !== null && row.keyColumns !== null && row.chunks > 0;
        if (usable) {
          await tx.update(scanCheckpoints).set({ runId: claim.runId, checkIds: claim.checkIds, updatedAt: clock() }).where(eq(scanCheckpoints.scanKey, claim.scanKey));
          return {
            fromRun: row.runId, since: row.startedAt, keyColumns: row.keyColumns!, lastKey: row.lastKey!,
            counts: row.counts, chunks: row.chunks, chunkRows: row.chunkRows, state: row.state ?? undefined, readUnder: row.readUnder ?? null,
          };
        }
        const empty = { runId: claim.runId, checkIds: claim.checkIds, keyColumns: null, lastKey: null, counts: {}, chunks: 0, chunkRows: 0, state: null, readUnder: null, startedAt: clock(), updatedAt: clock() };
        await tx.insert(scanCheckpoints).values({ scanKey: claim.scanKey, ...empty })
          .onConflictDoUpdate({ target: scanCheckpoints.scanKey, set: empty });
        return undefined;
      });
    },

    /** Records a chunk's progress; false when the row is no longer this run's (taken over or cleared). */
    async saveCheckpoint(scanKey: string, runId: string, progress: ScanProgress): Promise<boolean> {
      const rows = await db.update(scanCheckpoints).set({
        keyColumns: progress.keyColumns, lastKey: progress.lastKey, counts: progress.counts,
        chunks: progress.chunks, chunkRows: progress.chunkRows, state: progress.state ?? null, readUnder: progress.readUnder ?? null, updatedAt: clock(),
      }).where(and(eq(scanCheckpoints.scanKey, scanKey), eq(scanCheckpoints.runId, runId)))
        .returning({ scanKey: scanCheckpoints.scanKey });
      return rows.length === 1;
    },

    /** Drops the checkpoint once its scan is over (only this run's: a newer owner keeps its own). */
    async clearCheckpoint(scanKey: string, runId: string): Promise<void> {
      await db.delete(scanCheckpoints).where(and(eq(scanCheckpoints.scanKey, scanKey), eq(scanCheckpoints.runId, runId)));
    },

    /** Retention: drops checkpoints not written since `before`; returns how many. */
    async pruneCheckpoints(before: Date): Promise<number> {
      const rows = await db.delete(scanCheckpoints).where(lt(scanCheckpoints.updatedAt, before)).returning({ scanKey: scanCheckpoints.scanKey });
      return rows.length;
    },
  };
}
