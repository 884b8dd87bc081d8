/**
 * shadow_read matches rows to sampled keys by the key's text, and left the key members of SQL
 * rows out of the comparison as "proven". Text is not the value a client reads: a new path that
 * answers the key as a string where the old answered a number (`"id": "7"` for `"id": 7`), or a
 * char(n) key without its padding, matched by text and passed. A key member both rows hold is now
 * compared like any other field; it still does not count as a compared field on its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinishedResult } from '../../src/store/runs.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

async function shadow(db: TestDatabase, key: string, table: string, old: string, next: string): Promise<FinishedResult> {
  const sources = { legacy: db, app: db };
  const catalog = catalogFromYaml(`checks:
  - id: key-members
    kind: shadow_read
    key: [${key}]
    sample: { size: 50, from: { source: legacy, table: ${table} } }
    old: { source: legacy, query: ${JSON.stringify(old)} }
    new: { source: app, query: ${JSON.stringify(next)} }
    max_mismatch_rate: 0.1
`, sources);
  const registry = registryForCatalog(catalog, sources);
  try {
    return await execute([...catalog.checks.values()][0]!, registry);
  } finally {
    await registry.closeAll();
  }
}

describe.each(engines)('shadow_read compares the key members of its rows on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    // The new paths read copies (accounts_new, codes_new): two paths computing every compared
    // value from one table's same columns are refused (shadow-read-self-columns.test.ts).
    await db.exec(`create table accounts (id int primary key, v text);
      insert into accounts select g, 'v' || g from generate_series(1, 50) g;
      create table accounts_new as select * from accounts;
      create table codes (code char(6) primary key, v text);
      insert into codes select 'c' || g, 'v' || g from generate_series(1, 50) g;
      create table codes_new as select * from codes`);
  });
  afterAll(() => db.close());

  it('fails when the new path answers a number key as a string', async () => {
    const result = await shadow(db, 'id', 'accounts',
      'select id, v from accounts where id = any($keys)',
      'select id::text as id, v from accounts_new where id = any($keys)');
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ mismatches_by_field: { id: 50 } });
  });

  it('fails when the new path drops the padding of a char(n) key', async () => {
    const result = await shadow(db, 'code', 'codes',
      'select code, v from codes where code = any($keys)',
      'select rtrim(code)::varchar as code, v from codes_new where code = any($keys)');
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ mismatches_by_field: { code: 50 } });
  });

  it('passes when both paths answer the key alike, whatever its type is called (the control)', async () => {
    const result = await shadow(db, 'id', 'accounts',
      'select id, v from accounts where id = any($keys)',
      'select id::bigint as id, v from accounts_new where id = any($keys)');
    expect(result.error).toBeNull();
    expect(result.status).toBe('pass');
  });

  it('still cannot verify when only the key is read', async () => {
    const result = await shadow(db, 'id', 'accounts',
      'select id from accounts where id = any($keys)',
      'select id::text as id from accounts where id = any($keys)');
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('nothing_compared');
  });
});
