/**
 * Hostile values against shadow_read's record comparison: two records that differ, made to
 * compare equal by a normaliser, a key-shaped field or the key the rows are matched by. Each case
 * was a wrong pass; every case runs on both engines, through SQL read paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FinishedResult } from '../../src/store/runs.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

async function shadow(db: TestDatabase, fields: { old: string; new: string; extra?: string; table?: string }): Promise<FinishedResult> {
  const catalog = catalogFromYaml(`
checks:
  - id: equivalence
    kind: shadow_read
    key: [id]
    sample: { size: 100, from: { source: app, table: ${fields.table ?? 't'} }, seed: 1 }
    old: { source: app, query: ${JSON.stringify(fields.old)} }
    new: { source: app, query: ${JSON.stringify(fields.new)} }
    max_mismatch_rate: 0.05
${fields.extra ?? ''}`, { app: db });
  const registry = registryForCatalog(catalog, { app: db });
  try {
    return await execute([...catalog.checks.values()][0]!, registry);
  } finally {
    await registry.closeAll();
  }
}

const select = (expression: string) => `select id, ${expression} as v from t where id = any($keys)`;

describe.each(engines)('shadow_read record equivalence on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec('create table t (id int primary key); insert into t select g from generate_series(1, 100) g');
  });
  afterAll(() => db.close());

  describe('a text normaliser on a nested value keeps every JSON type inside it', () => {
    // Was a pass: the container was printed with JSON.stringify, which writes a number no double
    // holds exactly (a bigint, 1e0, -0) as a string, so the number and the string became one text.
    it.each([
      ['{"a": 9007199254740993}', '{"a": "9007199254740993"}'],
      ['[1e0]', '["1e0"]'],
      ['{"a": [-0]}', '{"a": ["-0"]}'],
      ['{"a": 1.5E3}', '{"a": "1.5E3"}'],
      ['[12345678901234567890.5]', '["12345678901234567890.5"]'],
    ])('%s differs from %s under trim, lower and collapse_whitespace', async (old, next) => {
      for (const normalizer of ['trim', 'lower', 'upper', 'collapse_whitespace']) {
        const result = await shadow(db, {
          old: select(`'${old}'::json`), new: select(`'${next}'::json`), extra: `    compare: { normalize: { v: [${normalizer}] } }`,
        });
        expect(result.status, normalizer).toBe('fail');
      }
    });

    it('still compares nested numbers by value and members in any order (the control)', async () => {
      const result = await shadow(db, {
        old: select(`'{"a": 1.0, "b": ["X "]}'::json`), new: select(`'{"b": ["x "], "a": 1}'::json`), extra: '    compare: { normalize: { v: [lower] } }',
      });
      expect(result.error).toBeNull();
      expect(result.status).toBe('pass');
    });
  });
});
