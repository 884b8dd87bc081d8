/**
 * A row_count whose two sides were counted at two different instants. During dual writes every
 * insert lands in both tables in one transaction; if the old table is counted before such a write
 * commits and the new one after, the new count gains a row the old one never saw — and a row the
 * backfill missed is exactly cancelled. Here the writer holds the new table (a migration's lock, a
 * long DDL) while it inserts one row into each table, and commits once the old side was counted:
 * 100 old rows against 99 new ones read as 100 against 100, a pass. Counted in one snapshot, both
 * sides see the write or neither does, and the missing row is found.
 * Sound outcome: fail (101 old rows vs 100 new rows), never pass.
 *
 * Postgres only: PGlite runs one transaction at a time, so no write can commit between two reads.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import postgres from 'postgres';
import { createTestDatabase, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';
import { untilAReadWaitsOnALock } from '../support/lock-waits.js';

describeOnPostgres('a row_count whose sides a dual write lands between', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec(`
      create table orders_old (id int primary key, total int);
      create table orders_new (id int primary key, total int);
      insert into orders_old select g, g from generate_series(1, 100) g;
      -- the backfill missed row 100
      insert into orders_new select g, g from generate_series(1, 99) g;
    `);
  });
  afterAll(() => db.close());

  for (const [name, sourceSettings, scope, newSource] of [
    ['counted in whole', '', '', 'app'],
    ['on a source that runs one statement at a time', ', max_connections: 1', '', 'app'],
    ['with a where filter on each side', '', ', where: "total > 0"', 'app'],
    ['the new side on a second source configured alike', '', '', 'app_alike'],
  ] as const) {
    it(`finds the missing row when the write commits between the two counts (${name})`, async () => {
      await db.exec('delete from orders_old where id > 100; delete from orders_new where id > 99');
      const writer = postgres(db.url, { max: 2, onnotice: () => {} });
      const session = await writer.reserve();
      try {
        await session.unsafe('begin');
        await session.unsafe('lock table orders_new in access exclusive mode');
        await session.unsafe('insert into orders_old values (101, 101); insert into orders_new values (101, 101)');
        const result = runCheckFile(db, `sources:
  app: { url: "${db.url}"${sourceSettings} }
  app_alike: { url: "${db.url}"${sourceSettings} }
checks:
  - { id: orders-count, kind: row_count, old: { source: app, table: orders_old${scope} }, new: { source: ${newSource}, table: orders_new${scope} } }
`);
        // The check is waiting on the new table's lock: whatever it counted of the old one is read.
        await untilAReadWaitsOnALock(writer, 'the count waiting on the held table');
        await session.unsafe('commit');
        const { status, summary } = await result;
        expect({ status, summary }).toMatchObject({ status: 'fail' });
        expect(summary).toContain('101');
      } finally {
        session.release();
        await writer.end();
      }
    });
  }
});
