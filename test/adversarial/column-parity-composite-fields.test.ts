/**
 * column_parity compares composites by their text, and record output writes a composite's fields
 * by position without their names: a point whose x and y a migration swapped, stored in a type
 * declared (y, x) on the new column, prints exactly as the original (x, y) — compared by text, it
 * agrees. table_diff refused such pairs (composite_fields_differ); column_parity passed them. Now
 * a pass reads both values' type trees and refuses composites whose fields differ by name or order.
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

  it('does not pass composites whose fields are declared in another order', async () => {
    const result = await check('old_p', 'new_p');
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'composite_fields_differ']);
  });

  it('does not pass them in arrays, nor in the join form', async () => {
    await db.exec(`create table if not exists cf_arrays (id int primary key, old_a cf_xy[], new_a cf_yx[]);
      insert into cf_arrays select g, array[row(g, -g)::cf_xy], array[row(g, -g)::cf_yx] from generate_series(1, 50) g on conflict do nothing;
      create table if not exists cf_new_points (id int primary key, p cf_yx);
      insert into cf_new_points select id, new_p from cf_points on conflict do nothing`);
    const arrays = await runCheck(db, 'checks:\n  - { id: a, kind: column_parity, source: app, table: cf_arrays, key: [id], old: old_a, new: new_a }\n');
    // Arrays of two composite types have no comparison at all: could not verify, never a pass.
    expect(arrays.status, arrays.summary).toBe('error');
    const joined = await runCheck(db, 'checks:\n  - { id: j, kind: column_parity, source: app, key: [id], old: { table: cf_points, expr: old_p }, new: { table: cf_new_points, expr: p } }\n');
    expect([joined.status, joined.error?.code], joined.summary).toEqual(['error', 'composite_fields_differ']);
  });

  it('passes composites of one type holding the same values (control)', async () => {
    const result = await check('old_p', 'new_same');
    expect(result.status, result.summary).toBe('pass');
  });
});
