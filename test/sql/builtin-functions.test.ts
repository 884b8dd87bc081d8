/**
 * The allow-list of built-ins operator SQL may call is data generated from two catalogs; this
 * checks it against the live catalog of each engine, so a wrong or stale entry cannot let a
 * volatile function through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnlyBuiltins, VETTED_VOLATILE } from '../../src/sql/builtin-functions.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

describe.each(engines)('the built-in allow-list against the catalog of %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(() => db.close());

  it('names no function that has a volatile overload there, except the vetted ones, and none outside pg_catalog', async () => {
    const rows = await db.exec(`select proname::text as name, bool_or(provolatile = 'v') as volatile, bool_or(pronamespace = 'pg_catalog'::regnamespace) as builtin
      from pg_proc where proname = any($1::text[]) group by proname`, [[...readOnlyBuiltins()]]);
    const vetted = new Set(VETTED_VOLATILE);
    const volatile = rows.filter((row) => row.volatile === true && !vetted.has(String(row.name))).map((row) => row.name);
    expect(volatile).toEqual([]);
    // A name the engine does not know at all belongs to the other release the list was generated from.
    expect(rows.filter((row) => row.builtin !== true).map((row) => row.name)).toEqual([]);
    expect(rows.length).toBeGreaterThan(1800);
  });

  it('leaves out every volatile built-in not vetted one by one', async () => {
    const rows = await db.exec(`select distinct proname::text as name from pg_proc
      where pronamespace = 'pg_catalog'::regnamespace and provolatile = 'v' and not proname = any($1::text[])`, [[...VETTED_VOLATILE]]);
    const allowed = readOnlyBuiltins();
    expect(rows.length).toBeGreaterThan(200);
    expect(rows.map((row) => String(row.name)).filter((name) => allowed.has(name))).toEqual([]);
  });
});
