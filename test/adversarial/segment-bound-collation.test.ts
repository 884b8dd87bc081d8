/**
 * A segmented table_diff checks that each side orders every two consecutive segment bounds as the
 * old side does. It compared the two bound texts as bare literals, which sort by the database's
 * default collation, not the key column's: a key under "und-x-icu" on both sides, in a database
 * whose default is "C", had bounds 'a' then 'B' (ICU order) that "C" orders the other way, so the
 * diff ended in `key_order_differs` though both sides order keys alike — and a table big enough to
 * be segmented automatically could never be diffed at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describe.each(engines)('segment bounds are ordered under the key column\'s collation on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table ko (k text collate "und-x-icu", n int, v int, primary key (k, n));
      create table kn (k text collate "und-x-icu", n int, v int, primary key (k, n));
      insert into ko select k, 1, 1 from unnest(array['a', 'B', 'c', 'D', 'e']) k;
      insert into kn select * from ko;
      update kn set v = 2 where k = 'c';
      create table so (k text collate "und-x-icu" primary key, v int);
      create table sn (k text collate "und-x-icu" primary key, v int);
      insert into so select k, 1 from unnest(array['a', 'B', 'c', 'D', 'e']) k;
      insert into sn select * from so;
      update sn set v = 2 where k = 'D';
    `);
  });
  afterAll(() => db.close());

  for (const [name, key] of [['so', '[k]'], ['ko', '[k, n]']] as const) {
    it(`finds the one changed row of a ${key} key in one-row segments`, async () => {
      const other = name === 'so' ? 'sn' : 'kn';
      const diff = await runCheck(db, `
checks:
  - id: collated
    kind: table_diff
    key: ${key}
    old: { source: app, table: ${name} }
    new: { source: app, table: ${other} }
    segment_rows: 1
`);
      expect([diff.status, diff.observations.changed, diff.observations.old_rows, diff.summary]).toEqual(['fail', 1, 5, expect.any(String)]);
    });
  }
});
