/**
 * table_diff wrote a `real[]` and a `double precision[]` each as its plain text, and each element
 * prints its shortest round-trip decimal: real 0.1 (0.100000001490116…) prints `0.1` as double 0.1
 * does, so a migration that narrowed a double array to a real array passed — while the same
 * narrowing of a scalar column fails (a real against a double compares as the double it widens to).
 * The real array is now written as the double array it widens to, element by element.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describe.each(engines)('table_diff over a real array against a double array, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create table o (id int primary key, a double precision[], b double precision[]);
      create table n (id int primary key, a real[], b real[]);
      insert into o select g, array[0.1, 2.5], array[0.5, 0.25] from generate_series(1, 20) g;
      insert into n select id, a, b from o;`);
  });
  afterAll(() => db.close());

  const diff = (table: string, other: string) => runCheck(db, `checks:
  - { id: t, kind: table_diff, key: [id], old: { source: app, table: ${table} }, new: { source: app, table: ${other} }, columns: { a: a, b: b } }
`);

  it('finds the narrowed elements, either way round, and only those', async () => {
    for (const [from, to] of [['o', 'n'], ['n', 'o']]) {
      const result = await diff(from!, to!);
      expect(result.status).toBe('fail');
      // b holds only values a real represents exactly: equal.
      expect(result.observations.changed_by_column).toEqual({ a: 20 });
    }
  });
});
