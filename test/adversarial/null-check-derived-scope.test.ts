/**
 * Failed on the old code: a null_check's `where` may not depend on a counted column
 * (src/sql/null-scope.ts), but the load-time rule is syntactic and sees only the counted column's
 * own name. A column the catalog derives from the counted one carries its NULLs under another name:
 *   - a stored generated column (`has_first generated always as (first_name is not null)`, or the
 *     old `full_name generated always as (first_name || ' ' || last_name)` kept for readers, which
 *     is NULL wherever first_name is) — on a plain table, chunked, and on a partitioned table;
 *   - a view's column that renames the counted one or computes from it (`first_name as fn`,
 *     `coalesce(first_name, '') <> '' as named`).
 * Each filter puts every NULL first name out of scope and the check passes over a table where half
 * the first names are NULL. docs/checks.md itself advises "Filter on the column the backfill reads
 * (`full_name is not null`)" — here that column is generated from the counted one.
 * Sound outcome: not a pass (a load or run-time refusal naming `where`, or a fail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

const CASES: [string, string, Record<string, unknown>?][] = [
  ['stored generated boolean', '{ id: c, kind: null_check, source: app, table: users_gen, columns: [first_name], where: "has_first" }'],
  ['stored generated full_name (the docs\' advice)', '{ id: c, kind: null_check, source: app, table: users_full, columns: [first_name], where: "full_name is not null" }'],
  ['stored generated, chunked scan', '{ id: c, kind: null_check, source: app, table: users_gen, columns: [first_name], where: "has_first" }', { mode: 'chunked', chunk_rows: 10, pause_ms: 0 }],
  ['generated on a partitioned table', '{ id: c, kind: null_check, source: app, table: users_part, columns: [first_name], where: "has_first" }'],
  ['a view column renaming the counted column', '{ id: c, kind: null_check, source: app, table: users_alias, columns: [first_name], where: "fn is not null" }'],
  ['a view column computed from the counted column', '{ id: c, kind: null_check, source: app, table: users_named, columns: [first_name], where: "named" }'],
];

describe.each(engines)('a null_check whose where reads a column derived from the counted one, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users (id int primary key, first_name text);
      insert into users select g, case when g % 2 = 0 then 'Ada' end from generate_series(1, 100) g;
      create table users_gen (id int primary key, first_name text, has_first boolean generated always as (first_name is not null) stored);
      insert into users_gen (id, first_name) select id, first_name from users;
      create table users_full (id int primary key, first_name text, last_name text, full_name text generated always as (first_name || ' ' || last_name) stored);
      insert into users_full (id, first_name, last_name) select id, first_name, 'Lovelace' from users;
      create table users_part (id int, first_name text, has_first boolean generated always as (first_name is not null) stored) partition by range (id);
      create table users_part_1 partition of users_part for values from (0) to (1000);
      insert into users_part (id, first_name) select id, first_name from users;
      create view users_alias as select id, first_name, first_name as fn from users;
      create view users_named as select id, first_name, coalesce(first_name, '') <> '' as named from users;
    `);
  });
  afterAll(() => db.close());

  it.each(CASES)('does not pass over 50 NULL first names: %s', async (_name, check, scan) => {
    let status: string;
    try {
      const catalog = catalogFromYaml(`checks:\n  - ${check}\n`, { app: db });
      if (scan) Object.assign(catalog.sources.get('app')!.spec.scan, scan);
      const registry = registryForCatalog(catalog, { app: db });
      try {
        status = (await execute([...catalog.checks.values()][0]!, registry)).status;
      } finally {
        await registry.closeAll();
      }
    } catch (e) {
      // A load problem at `where` is a sound outcome too.
      status = /where/.test((e as Error).message) ? 'refused at load' : `threw: ${(e as Error).message}`;
    }
    expect(['fail', 'error', 'refused at load']).toContain(status);
  });
});
