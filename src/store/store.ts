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

export type Store = ReturnType<typeof runQueries>
  & ReturnType<typeof gateQueries>
  & ReturnType<typeof scheduleQueries>
  & ReturnType<typeof leaseQueries>
  & ReturnType<typeof counterSnapshotQueries>
  & ReturnType<typeof scanCheckpointQueries>
  & {
  readonly driver: 'postgres' | 'embedded';
  readonly state: StateDatabase;
  ping(): Promise<void>;
  close(): Promise<void>;
};

/**
 * Wraps an opened state database with every query family. Result times are stamped by the store's
 * own clock (`clock`, the database's clock_timestamp() unless a test passes a fake one).
 */
export function storeOver(state: StateDatabase, clock: StoreClock = databaseClock): Store {
  return {
    ...runQueries(state.db, clock),
    ...gateQueries(state.db, clock),
    ...scheduleQueries(state.db),
    ...leaseQueries(state.db, clock),
    ...counterSnapshotQueries(state.db),
    ...scanCheckpointQueries(state.db, clock),
    driver: state.driver,
    state,
    async ping() {
      await state.db.execute(sql`select 1`);
    },
    close: () => state.close(),
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
