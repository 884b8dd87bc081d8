/** The state store: parity's memory of runs, results and decisions, on Postgres or PGlite. */
import { sql } from 'drizzle-orm';
import { openEmbeddedState, openPostgresState, type StateDatabase } from './database.js';
import { migrateState } from './migrate.js';
import { runQueries } from './runs.js';
import { gateQueries } from './gates.js';
import { scheduleQueries } from './schedule.js';
import { leaseQueries } from './leases.js';
import { counterSnapshotQueries } from './counter-snapshots.js';
import { scanCheckpointQueries } from './scan-checkpoints.js';
import { databaseClock, type StoreClock } from './store-clock.js';
import { createResultChanges, RESULTS_CHANGED_CHANNEL, signallingChange, type ResultChanges } from './result-changes.js';
import { retentionQueries } from './retention.js';
import { metricImportQueries } from './metric-imports.js';
import { checkDeclarationQueries } from './check-declarations.js';

/** Every query family a store answers. */
type StoreQueries = ReturnType<typeof runQueries>
  & ReturnType<typeof gateQueries>
  & ReturnType<typeof scheduleQueries>
  & ReturnType<typeof leaseQueries>
  & ReturnType<typeof counterSnapshotQueries>
  & ReturnType<typeof retentionQueries>
  & ReturnType<typeof metricImportQueries>
  & ReturnType<typeof scanCheckpointQueries>
  & ReturnType<typeof checkDeclarationQueries>;

/**
 * What the runner, gates and the server use: a store over a state database (Postgres, PGlite) or
 * the in-process store of a one-shot run with no state store configured (memory-store.ts).
 */
export type StateStore = StoreQueries & {
  readonly driver: 'postgres' | 'embedded' | 'memory';
  /** Every change to check results this process made or (on Postgres) heard of: gate caches follow it. */
  readonly resultChanges: ResultChanges;
  ping(): Promise<void>;
  /** Starts hearing other writers' result changes (Postgres LISTEN); a no-op on the embedded store. */
  followOtherWriters(): void;
  close(): Promise<void>;
};

/** A store over a state database, which outlives the process (Postgres or PGlite). */
export type Store = StateStore & {
  readonly driver: 'postgres' | 'embedded';
  readonly state: StateDatabase;
};

/**
 * Wraps an opened state database with every query family. Result times are stamped by the store's
 * own clock (`clock`, the database's clock_timestamp() unless a test passes a fake one).
 */
export function storeOver(state: StateDatabase, clock: StoreClock = databaseClock): Store {
  const resultChanges = createResultChanges();
  const runs = runQueries(state.db, clock);
  const leases = leaseQueries(state.db, clock);
  const retention = retentionQueries(state.db);
  // Every query that writes check_results tells the signal, so this process's gate cache never
  // serves evidence older than its own last write.
  const signalled = <A extends unknown[], R>(write: (...args: A) => Promise<R>) => signallingChange(resultChanges, write);
  let listening: Promise<{ unlisten(): Promise<void> } | undefined> | undefined;
  return {
    ...runs,
    startResult: signalled(runs.startResult),
    markReading: signalled(runs.markReading),
    finishResult: signalled(runs.finishResult),
    finishLeasedResult: signalled(runs.finishLeasedResult),
    ...gateQueries(state.db, clock),
    ...scheduleQueries(state.db),
    ...leases,
    // It may stamp a result's read_at with the lease.
    acquireLease: signalled(leases.acquireLease),
    abortDeadRuns: signalled(leases.abortDeadRuns),
    ...counterSnapshotQueries(state.db, clock),
    ...retention,
    pruneResults: signalled(retention.pruneResults),
    ...metricImportQueries(state.db),
    ...scanCheckpointQueries(state.db, clock),
    ...checkDeclarationQueries(state.db, clock),
    driver: state.driver,
    resultChanges,
    state,
    async ping() {
      await state.db.execute(sql`select 1`);
    },
    /** Starts hearing other writers' result changes (Postgres LISTEN); a no-op on the embedded store, which has one writer. */
    followOtherWriters() {
      if (!state.listen || listening) return;
      listening = state.listen(RESULTS_CHANGED_CHANNEL, () => resultChanges.changed(), () => {
        resultChanges.setHearsOtherWriters(true);
        // (Re)connected: whatever was notified while the connection was down is lost.
        resultChanges.changed();
      }).catch(() => {
        // Not listening: gate caches fall back to their TTL (docs/gates.md states the bound).
        resultChanges.setHearsOtherWriters(false);
        return undefined;
      });
    },
    async close() {
      const listener = await listening;
      resultChanges.setHearsOtherWriters(false);
      // Nothing read from a closed store is served again: an answer then needs the store.
      resultChanges.changed();
      await listener?.unlisten().catch(() => {});
      await state.close();
    },
  };
}

export interface StoreOptions {
  /** Postgres URL; when absent the store is embedded under dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** Tests only: stamp result times with a fake clock instead of the database's. */
  clock?: StoreClock | undefined;
}

/** Opens and migrates the store: DATABASE_URL → Postgres, otherwise PGlite under the data directory. */
export async function openStore(options: StoreOptions): Promise<Store> {
  const state = options.databaseUrl ? openPostgresState(options.databaseUrl) : await openEmbeddedState(options.dataDir);
  try {
    await migrateState(state.raw);
  } catch (error) {
    await state.close();
    throw error;
  }
  return storeOver(state, options.clock);
}
