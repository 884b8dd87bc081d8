/**
 * Store writes that need not wait for the WAL flush. Each commit of the state store otherwise
 * waits for an fsync (milliseconds on real disks), and a check used to pay five of them. The
 * writes made before a check reads (its running row, its lease, its read_at stamp) are committed
 * asynchronously; the result itself is not. The WAL is one sequential log, so the synchronous
 * commit of a result flushes every earlier asynchronous commit with it: a recorded result never
 * survives a crash without the row, lease and stamp it was read under. What a crash of the store
 * may lose is only writes not yet followed by such a flush (at most ~3 × wal_writer_delay): a
 * running row (the result then cannot be recorded: no evidence, never a pass) or a lease (the
 * result is then recorded as `lease_lost`, see runs.ts `finishLeasedResult`).
 */
import { sql } from 'drizzle-orm';

/**
 * A CTE that turns synchronous_commit off for the statement's own (implicit) transaction only;
 * the statement must read from `async_commit`, or Postgres never evaluates it.
 */
export const ASYNC_COMMIT = sql`with async_commit as materialized (select set_config('synchronous_commit', 'off', true) as setting)`;

/** The rows of a raw statement: postgres.js answers with the rows themselves, PGlite with { rows }. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as T[];
}
