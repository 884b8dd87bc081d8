/**
 * shadow_read matches each row a read path returns to a sampled key by the key's text. A row whose
 * key column came back NULL was read as the text "null", so it answered for a sampled key that is
 * that very word: a new path that lost the row `null` and returned its values under a NULL key
 * passed. A NULL key now answers no sampled key, and the lost row is missing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

describe.each(engines)('shadow_read and a NULL key on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create table words (k text primary key, v int);
      insert into words values ('null', 1), ('nil', 2), ('none', 3), ('nothing', 4), ('void', 5);
      create table words_new as select * from words`);
  });
  afterAll(() => db.close());

  it('does not take a row with a NULL key for the sampled key "null"', async () => {
    const sources = { legacy: db, app: db };
    const catalog = catalogFromYaml(`checks:
  - id: words
    kind: shadow_read
    key: [k]
    sample: { size: 5, from: { source: legacy, table: words } }
    old: { source: legacy, query: "select k, v from words where k = any($keys)" }
    new: { source: app, query: "select nullif(k, 'null') as k, v from words_new where k = any($keys)" }
    max_mismatch_rate: 0.5
`, sources);
    const registry = registryForCatalog(catalog, sources);
    try {
      const result = await execute([...catalog.checks.values()][0]!, registry);
      // The row `null` is missing from the new path; nothing stands in for it.
      expect(result.observations).toMatchObject({ keys_sampled: 5, mismatches: 1 });
      expect(result.samples.map((s) => s.key)).toEqual([{ k: 'null' }]);
    } finally {
      await registry.closeAll();
    }
  });
});
