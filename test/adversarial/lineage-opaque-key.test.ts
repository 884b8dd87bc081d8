/**
 * A side read through a sub-query the planner keeps apart (a view with a LIMIT over a table wider
 * than what it outputs, kept as a Subquery Scan) is opaque to the plan reader: any column of it
 * reads every column under it. The join form's key output then read `users.id` and `users.name`,
 * and every column the key read was renamed the key — so the new value `v.name` counted as the key
 * alone and stood apart from the old side's `users.name`: column_parity of a table's column with
 * itself through such a view passed on any data (failed on the old code with a pass). A key's
 * columns now keep their own names beside the key's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const FIXTURE = `
  create table users (id int primary key, name text, first_name text, last_name text);
  insert into users select g, 'name ' || g, 'f' || g, 'l' || g from generate_series(1, 30) g;
  create table people (id int primary key, name text, first_name text, last_name text);
  insert into people select id, name, first_name, last_name from users;
  create view users_capped as select * from users limit 1000000;
  create view people_capped as select * from people limit 1000000;
`;

describe.each(engines)('the key of a side read through an opaque sub-query, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(FIXTURE);
  });
  afterAll(() => db.close());

  it('column_parity of a column with itself through a capped view is never a pass', async () => {
    const result = await runCheck(db, `checks:
  - { id: c, kind: column_parity, source: app, key: [id], old: { table: users, expr: name }, new: { table: users_capped, expr: name } }
`);
    expect(result.status, result.summary).toBe('error');
    // Refused by what the values are computed from, not only because the probe could not evaluate them.
    expect(['self_comparison', 'reads_other_side'], result.summary).toContain(result.error?.code);
  });

  // Accepted over-refusal (docs/decisions.md): what `name` is inside the capped sub-query cannot be
  // read from the plan, so the fixed-value probe cannot evaluate it; never a self-comparison though.
  it('a capped view of another table is not taken for a self-comparison', async () => {
    const result = await runCheck(db, `checks:
  - { id: c, kind: column_parity, source: app, key: [id], old: { table: users, expr: name }, new: { table: people_capped, expr: name } }
`);
    expect({ status: result.status, code: result.error?.code }, result.summary).toEqual({ status: 'error', code: 'fixed_value' });
  });
});
