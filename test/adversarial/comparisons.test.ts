/**
 * Hostile inputs against the value-comparison rules and shadow_read's verdict (issue 12 §3): each
 * case once passed a check that must not pass. Every case runs on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem } from '../../src/checkfile/problems.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import type { FinishedResult } from '../../src/store/runs.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

/** Runs a shadow_read whose two SQL paths are `old` and `new` over table t (ids 1..rows). */
async function shadow(db: TestDatabase, fields: { old: string; new: string; extra?: string; where?: string }): Promise<FinishedResult> {
  const yaml = `
checks:
  - id: adversarial
    kind: shadow_read
    key: [id]
    sample: { size: 400, from: { source: app, table: t${fields.where ? `, where: "${fields.where}"` : ''} }, seed: 1 }
    old: { source: app, query: "${fields.old}" }
    new: { source: app, query: "${fields.new}" }
    max_mismatch_rate: 0.05
${fields.extra ?? ''}`;
  const sources = { app: db };
  const catalog = catalogFromYaml(yaml, sources);
  const registry = registryForCatalog(catalog, sources);
  try {
    return await execute([...catalog.checks.values()][0]!, registry);
  } finally {
    await registry.closeAll();
  }
}

/** Selects `expression as v` (plus the key) from t for the sampled keys. */
// The value depends on the row (through id) as a real read does: two queries comparing only
// constants are refused at load (test/adversarial/never-fails.test.ts).
const select = (expression: string) => `select id, case when live then ${expression} end as v from t where id = any($keys)`;
// The new path reads a copy of t: two paths computing every compared value from one table's same
// columns are refused when the check runs (shadow-read-self-columns.test.ts).
const selectNew = (expression: string) => `select id, case when live then ${expression} end as v from t_new where id = any($keys)`;

describe.each(engines)('comparisons on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create table t (id int primary key, name text, live boolean not null default true);
      insert into t select g, 'name ' || g from generate_series(1, 400) g;
      create table t_new as select * from t`);
  });
  afterAll(() => db.close());

  describe('noise_baseline', () => {
    it('fails a 100% mismatch even when one key is noisy on the mismatching field', async () => {
      // Key 1's old value moves between the two A/A reads; every key's new value is wrong.
      const result = await shadow(db, {
        old: select("case when id = 1 then random()::text else name end"),
        new: selectNew("name || ' (wrong)'"),
        extra: '    noise_baseline: true',
      });
      expect(result.status).toBe('fail');
      expect(result.observations.mismatches).toBeGreaterThanOrEqual(399);
    });

    it('never passes on fields that differ on every read: noise is reported, not excused', async () => {
      const result = await shadow(db, { old: select('clock_timestamp()'), new: selectNew('clock_timestamp()::timestamptz'), extra: '    noise_baseline: true' });
      expect(result.status).not.toBe('pass');
      expect(result.observations).toMatchObject({ noisy_keys: 400, noise_rate_by_field: { v: 1 } });
    });

    it('passes when the varying field is listed in compare.ignore (the explicit leniency)', async () => {
      const result = await shadow(db, {
        old: 'select id, name, clock_timestamp() as read_at from t where id = any($keys)',
        new: 'select id, name, clock_timestamp()::timestamptz as read_at from t_new where id = any($keys)',
        extra: '    noise_baseline: true\n    compare: { ignore: [read_at] }',
      });
      expect(result.status).toBe('pass');
    });
  });

  describe('strict equality', () => {
    it("a string never equals a number: ' 7', '7' and 7 differ", async () => {
      for (const old of ["' 7'::text", "'7'::text", "'7.0'::text"]) {
        const result = await shadow(db, { old: select(old), new: selectNew('7') });
        expect(result.status, old).toBe('fail');
      }
    });

    it('a nested absent member differs from null; the top-level option does not reach inside', async () => {
      const nested = { old: select(`json_build_object('a', 1, 'b', null)`), new: selectNew(`json_build_object('a', 1)`) };
      expect((await shadow(db, nested)).status).toBe('fail');
      expect((await shadow(db, { ...nested, extra: '    compare: { treat_absent_as_null: top_level }' })).status).toBe('fail');
    });

    it('an absent field differs from null unless treat_absent_as_null says otherwise', async () => {
      const paths = { old: 'select id, case when not live then name end as gone from t where id = any($keys)', new: 'select id from t where id = any($keys)' };
      expect((await shadow(db, paths)).status).toBe('fail');
      expect((await shadow(db, { ...paths, extra: '    compare: { treat_absent_as_null: top_level }' })).status).toBe('pass');
    });
  });

  describe('normalisers never turn an unparseable value into NULL', () => {
    const normalized = (normalizer: string) => `    compare: { normalize: { v: [${normalizer}] } }`;

    it("numeric_scale: '12,50' differs from NULL", async () => {
      const result = await shadow(db, { old: select("'12,50'::text"), new: selectNew('null::text'), extra: normalized('{ numeric_scale: 2 }') });
      expect(result.status).toBe('fail');
    });

    it("time_zone and timestamp_precision: 'infinity' and 'yesterday' differ from NULL", async () => {
      for (const normalizer of ['{ time_zone: Europe/Berlin }', '{ timestamp_precision: s }']) {
        for (const text of ['infinity', 'not a time']) {
          const result = await shadow(db, { old: select(`'${text}'::text`), new: selectNew('null::text'), extra: normalized(normalizer) });
          expect(result.status, `${normalizer} ${text}`).toBe('fail');
        }
      }
    });

    it('timestamp_precision: us keeps microseconds', async () => {
      const result = await shadow(db, {
        old: select("'2024-05-01 10:00:00.123456+00'::timestamptz"),
        new: selectNew("'2024-05-01 10:00:00.123457+00'::timestamptz"),
        extra: normalized('{ timestamp_precision: us }'),
      });
      expect(result.status).toBe('fail');
    });
  });

  describe('the verdict', () => {
    it('honours min_rows for the number of keys compared', async () => {
      const result = await shadow(db, { old: select('name'), new: selectNew('name::text'), where: 'id <= 3', extra: '    min_rows: 5' });
      expect(result.status).toBe('error');
      expect(result.error?.code).toBe('scope_too_small');
    });
  });
});

describe('confidence and max_mismatch_rate are validated at load, with file:line:column', () => {
  const load = (fields: string) => {
    const parsed = parseCheckFile(`sources:
  app: { url: "embedded:x" }
checks:
  - id: s
    kind: shadow_read
    key: [id]
    sample: { size: 10, from: { source: app, table: t } }
    old: { source: app, query: "select id from t where id = any($keys)" }
    new: { source: app, query: "select id from t where id = any($keys)" }
${fields}
`, 'checks.yaml', {});
    return Array.isArray(parsed) ? parsed.map(formatProblem) : [];
  };

  it.each([
    ['max_mismatch_rate: 0.01\n    confidence: 0.0001', 'confidence', 11],
    ['max_mismatch_rate: 0.01\n    confidence: 0.3', 'confidence', 11],
    ['max_mismatch_rate: 0.01\n    confidence: 1', 'confidence', 11],
    ['max_mismatch_rate: 1', 'max_mismatch_rate', 10],
    ['max_mismatch_rate: 0.9', 'max_mismatch_rate', 10],
    ['max_mismatch_rate: 0', 'max_mismatch_rate', 10],
    ['max_mismatch_rate: -0.1', 'max_mismatch_rate', 10],
    ['max_mismatch_rate: .nan', 'max_mismatch_rate', 10],
  ])('rejects %s', (fields, key, line) => {
    const problems = load(`    ${fields}`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^checks\\.yaml:${line}:\\d+: checks\\[0\\]\\.${key}: `));
  });

  it('accepts the documented ranges', () => {
    expect(load('    max_mismatch_rate: 0.5\n    confidence: 0.5')).toEqual([]);
    expect(load('    max_mismatch_rate: 0.001\n    confidence: 0.999')).toEqual([]);
  });
});
