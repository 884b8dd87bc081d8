/** Waiting for a read of parity's to queue behind a lock a test's writer holds. */
import postgres, { type Sql } from 'postgres';
import { until } from './until.js';

/**
 * Resolves once a session of the database other than the asking one waits on a lock. Asked on
 * `client`'s own connection outside any transaction: a transaction's view of pg_stat_activity is
 * fixed at its first look, so the writer holding the lock cannot ask it.
 */
export function untilAReadWaitsOnALock(client: Sql, what: string): Promise<true> {
  return until(what, async () => {
    const waiting = await client.unsafe(`select 1 from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database() and pid <> pg_backend_pid()`);
    return waiting.length > 0 ? true : undefined;
  }, 10_000);
}

/**
 * Runs `read` while a writer holding `locked` (access exclusive) has run `write` in its open
 * transaction, and commits once a read of parity's waits on that lock: the write lands after
 * whatever parity read before it queued, and before what it reads next.
 */
export async function committingWhileAReadWaits<R>(url: string, locked: string, write: string, read: () => Promise<R>): Promise<R> {
  const writer = postgres(url, { max: 2, onnotice: () => {} });
  const session = await writer.reserve();
  try {
    await session.unsafe('begin');
    await session.unsafe(`lock table ${locked} in access exclusive mode`);
    await session.unsafe(write);
    const result = read();
    await untilAReadWaitsOnALock(writer, `a read waiting on ${locked}`);
    await session.unsafe('commit');
    return await result;
  } finally {
    session.release();
    await writer.end();
  }
}
