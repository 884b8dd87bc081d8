/**
 * Failed on the old code: the same-table column_parity counted mismatches
 * only among the rows its `where` selects, and nothing stopped that `where` from depending on the
 * compared values themselves — the hole null_check's scope rule closed for its own columns
 * (docs/decisions.md, "A null_check's `where` may not depend on a counted column"). Rows where the
 * backfill left `new` NULL, or wrote a wrong value, are put out of scope and never compared:
 *   - `where: "first_name is not null"` (a natural "only backfilled rows" filter) hides every row
 *     the backfill missed, whose old value is set and new one NULL;
 *   - `where: "first_name = 'f' || id"` (old = new) hides every mismatch outright;
 *   - a stored generated `backfilled` flag computed from the new columns does the same by name.
 * In the join form and table_diff a filtered-out row is counted missing; here it just disappears.
 * Sound outcome: not a pass (a load or run-time refusal naming `where`, or a fail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const CASES: [string, string][] = [
  ['new is not null', `{ id: c, kind: column_parity, source: app, table: missed, key: [id], old: "'f' || id", new: first_name, where: "first_name is not null" }`],
  ['old = new', `{ id: c, kind: column_parity, source: app, table: users, key: [id], old: "'f' || id", new: first_name, where: "first_name = 'f' || id" }`],
  ['a generated flag over the new columns', `{ id: c, kind: column_parity, source: app, table: names, key: [id], old: full_name, new: "first_name || ' ' || last_name", where: "backfilled" }`],
];

describe.each(engines)('a same-table column_parity whose where depends on the compared values, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users (id int primary key, first_name text);
      insert into users select g, case when g % 4 = 0 then null when g % 4 = 1 then 'wrong' else 'f' || g end from generate_series(1, 100) g;
      create table missed (id int primary key, first_name text);
      insert into missed select g, case when g % 2 = 0 then 'f' || g end from generate_series(1, 100) g;
      create table names (id int primary key, full_name text, first_name text, last_name text,
        backfilled boolean generated always as (first_name is not null and last_name is not null) stored);
      insert into names (id, full_name, first_name, last_name) select g, 'Ada Lovelace', case when g % 2 = 0 then 'Ada' end, 'Lovelace' from generate_series(1, 100) g;
    `);
  });
  afterAll(() => db.close());

  it.each(CASES)('does not pass over rows whose values differ: where %s', async (_name, check) => {
    let status: string;
    try {
      status = (await runCheck(db, `checks:\n  - ${check}\n`)).status;
    } catch (e) {
      status = /where/.test((e as Error).message) ? 'refused at load' : `threw: ${(e as Error).message}`;
    }
    expect(['fail', 'error', 'refused at load']).toContain(status);
  });
});
