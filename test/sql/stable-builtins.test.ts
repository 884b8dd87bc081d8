/**
 * The stable built-ins incremental checks may not call (unless reviewed as depending only on pinned
 * settings) are data generated from two catalogs; this checks them against the live catalog of each
 * engine, so a stable function cannot pass for one that depends on its arguments alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dependsOnArgumentsAlone, stableBuiltins } from '../../src/sql/stable-builtins.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

describe.each(engines)('the stable built-ins against the catalog of %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(() => db.close());

  it('lists every pg_catalog function with a stable overload there', async () => {
    const rows = await db.exec(`select distinct proname::text as name from pg_proc
      where pronamespace = 'pg_catalog'::regnamespace and prokind in ('f', 'a', 'w') and provolatile = 's'`);
    expect(rows.length).toBeGreaterThan(400);
    expect(rows.map((row) => String(row.name)).filter((name) => !stableBuiltins().has(name))).toEqual([]);
  });

  it('treats the clock, the catalog and the session as more than the arguments', () => {
    for (const name of ['now', 'statement_timestamp', 'transaction_timestamp', 'age', 'current_setting', 'to_regclass', 'has_table_privilege', 'to_char', 'format_type']) {
      expect(dependsOnArgumentsAlone(name), name).toBe(false);
    }
    for (const name of ['concat_ws', 'date_trunc', 'timezone', 'lower', 'btrim', 'coalesce', 'to_jsonb']) expect(dependsOnArgumentsAlone(name), name).toBe(true);
  });
});
