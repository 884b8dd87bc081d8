/**
 * Makes checks on a verified test database wait until release() is called, so a test can observe
 * a run while it is running (queued, cancelled, streamed, …).
 */
import postgres from 'postgres';
import { openEmbedded } from '../../src/embedded/pglite.js';
import type { TestDatabase } from './databases.js';

/**
 * Holds the database: on PGlite an open transaction (it runs one at a time, so every source
 * transaction queues behind it); on Postgres an ACCESS EXCLUSIVE lock on `lockTables`, which the
 * checks under test read. release() is idempotent, so a test can release mid-way and in `finally`.
 */
export async function holdDatabase(db: TestDatabase, lockTables: readonly string[]): Promise<() => Promise<void>> {
  const release = await hold(db, lockTables);
  let released: Promise<void> | undefined;
  return () => (released ??= release());
}

async function hold(db: TestDatabase, lockTables: readonly string[]): Promise<() => Promise<void>> {
  if (db.engine === 'pglite') {
    const { db: pglite, release } = await openEmbedded(db.dataDir, 'verified');
    let opened!: () => void;
    const open = new Promise<void>((resolve) => { opened = resolve; });
    let finish!: () => void;
    const done = pglite.transaction(async () => {
      opened();
      await new Promise<void>((resolve) => { finish = resolve; });
    });
    await open;
    return async () => { finish(); await done; await release(); };
  }
  const client = postgres(db.url, { max: 1, onnotice: () => {} });
  const reserved = await client.reserve();
  await reserved.unsafe('begin');
  const tables = lockTables.map((name) => `"${name.replaceAll('"', '""')}"`).join(', ');
  await reserved.unsafe(`lock table ${tables} in access exclusive mode`);
  return async () => {
    await reserved.unsafe('rollback');
    reserved.release();
    await client.end({ timeout: 5 });
  };
}
