/**
 * column_parity compares composites by their text, and record output writes a composite's fields
 * by position without their names: a point whose x and y a migration swapped, stored in a type
 * declared (y, x) on the new column, prints exactly as the original (x, y) — compared by text, it
 * agrees. table_diff refuses such pairs (composite_fields_differ); column_parity still passes them
 * (held: the case below is marked as failing until exact-compare.ts reads the fields' names).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describe.each(engines)('column_parity over composites whose fields differ on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create type cf_xy as (x int, y int);
      create type cf_yx as (y int, x int);
      create table cf_points (id int primary key, old_p cf_xy, new_p cf_yx, new_same cf_xy);
      -- The migration copied each point by position (old_p::text::cf_yx): every x landed in y.
      insert into cf_points select g, row(g, g * 10)::cf_xy, row(g, g * 10)::cf_yx, row(g, g * 10)::cf_xy from generate_series(1, 300) g`);
  });
  afterAll(() => db?.close());

  const check = (old: string, fresh: string) => runCheck(db, `
checks:
  - id: composite-fields
    kind: column_parity
    source: app
    table: cf_points
    key: [id]
    old: ${old}
    new: ${fresh}
    sample: 100
`);

  it('the data really swaps the fields on every row', async () => {
    const [row] = await db.exec('select count(*)::int as n from cf_points where (old_p).x <> (new_p).x');
    expect(row).toEqual({ n: 300 });
  });

  // Held (a wrong pass today, see docs/decisions.md): `it.fails` turns red once column_parity refuses it.
  it.fails('does not pass composites whose fields are declared in another order', async () => {
    const result = await check('old_p', 'new_p');
    expect(result.status, result.summary).not.toBe('pass');
  });

  it('passes composites of one type holding the same values (control)', async () => {
    const result = await check('old_p', 'new_same');
    expect(result.status, result.summary).toBe('pass');
  });
});
