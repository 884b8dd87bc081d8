/**
 * Found by a hostile review (failed on the old code with a pass): `threshold_covers_scope` refused an absolute
 * threshold "at least what the scope could ever count", which for column_parity's join form and
 * table_diff is taken as old rows + new rows (every key could be missing on both sides). But a row
 * whose key survives and whose value is wrong counts once, not twice: with every key kept and every
 * value changed the count is max(old, new). So `max_mismatches: 10` / `max_differences: 10` over
 * 10 + 10 rows loads, runs, and passes with every one of the 10 rows different — the outcome the
 * refusal was made for (docs/decisions.md, "An absolute threshold the scope cannot exceed",
 * "passed with every row different"). Sound outcome: `error` (threshold_covers_scope), or `fail`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describe.each(engines)('a threshold that lets every kept row differ, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create table o (id int primary key, v int); create table n (id int primary key, v int);
      insert into o select g, g from generate_series(1, 10) g; insert into n select g, g + 1 from generate_series(1, 10) g;`);
  });
  afterAll(() => db.close());

  it('a threshold below the larger side still judges: every value wrong fails it', async () => {
    const result = await runCheck(db, `checks:
  - { id: c, kind: table_diff, key: [id], old: { source: app, table: o }, new: { source: app, table: n }, max_differences: 9 }
`);
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ changed: 10 });
  });

  it('column_parity (join form) with max_mismatches equal to the rows does not pass with every value wrong', async () => {
    const result = await runCheck(db, `checks:
  - { id: c, kind: column_parity, source: app, key: [id], old: { table: o, expr: v }, new: { table: n, expr: v }, max_mismatches: 10 }
`);
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('threshold_covers_scope');
  });

  it('table_diff with max_differences equal to the rows does not pass with every row changed', async () => {
    const result = await runCheck(db, `checks:
  - { id: c, kind: table_diff, key: [id], old: { source: app, table: o }, new: { source: app, table: n }, max_differences: 10 }
`);
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('threshold_covers_scope');
  });
});
