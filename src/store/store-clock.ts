/**
 * The one clock that orders results and measures their age: the state store's. Replicas' wall
 * clocks drift (fast or slow); every replica writes to the same store, so a time the store itself
 * evaluates is comparable across all of them.
 */
import { sql, type SQL } from 'drizzle-orm';

/** Produces the SQL expression a stamp is written with (evaluated by the store database). */
export type StoreClock = () => SQL;

/**
 * clock_timestamp(), not now(): now() is frozen at BEGIN, so a stamp written late in a long
 * transaction would look older than it is; clock_timestamp() is the moment of the write itself.
 */
export const databaseClock: StoreClock = () => sql`clock_timestamp()`;

/** A store clock that reads a test's fake clock instead (bound as a parameter); never used in production. */
export function storeClockFrom(clock: { now(): Date }): StoreClock {
  return () => sql`${clock.now().toISOString()}::timestamptz`;
}
