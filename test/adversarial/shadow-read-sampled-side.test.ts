/**
 * A shadow read's pass is about the keys it draws from `sample.from`. Drawn from the NEW side's
 * table, a key the new shape lost (present in the old, missing in the new) is never drawn: a
 * migration that dropped 30% of the rows passed. The sampled table must hold the old side's keys;
 * a table only the new path reads, `side: new`, or a table the paths cannot place cannot load.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

const OLD = 'select id, name from shadow_sampling_old where id = any($keys)';
const NEW = 'select id, name from shadow_sampling_new where id = any($keys)';

function check(sample: string, paths: { old?: string; new?: string } = {}): string {
  return `checks:
  - id: lost-rows
    kind: shadow_read
    key: [id]
    sample: { size: 400, ${sample}, seed: 3 }
    old: ${paths.old ?? `{ source: legacy, query: "${OLD}" }`}
    new: ${paths.new ?? `{ source: app, query: "${NEW}" }`}
    max_mismatch_rate: 0.05
`;
}

describe.each(engines)('shadow_read samples the old side on %s', (engine) => {
  let db: TestDatabase;
  let sources: Record<string, TestDatabase>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    sources = { legacy: db, app: db };
    // The new shape lost 30% of the rows; every row it kept is right.
    await db.exec(`create table shadow_sampling_old (id bigint primary key, name text);
      insert into shadow_sampling_old select g, 'user ' || g from generate_series(1, 5000) g;
      create table shadow_sampling_new as select * from shadow_sampling_old where id % 10 >= 3;
      alter table shadow_sampling_new add primary key (id)`);
  });
  afterAll(() => db?.close());

  it.each([
    ['the new path\'s table, on its source', 'from: { source: app, table: shadow_sampling_new }', {}, /is what the new path reads/],
    ['the new path\'s table, schema-qualified', 'from: { source: app, table: public.shadow_sampling_new }', {}, /is what the new path reads/],
    ['the new path\'s table, declared old', 'from: { source: app, table: shadow_sampling_new, side: old }', {}, /is what the new path reads/],
    ['the new path\'s table, filtered', 'from: { source: app, table: shadow_sampling_new, where: "id > 10" }', {}, /is what the new path reads/],
    ['the new path\'s table, both paths on one source', 'from: { source: legacy, table: shadow_sampling_new }', { new: `{ source: legacy, query: "${NEW}" }` }, /is what the new path reads/],
    ['the old table, declared new', 'from: { source: legacy, table: shadow_sampling_old, side: new }', {}, /side: new/],
    ['the new path\'s table read through a CTE', 'from: { source: app, table: shadow_sampling_new }', { new: `{ source: app, query: "with n as (select * from shadow_sampling_new) select id, name from n where id = any($keys)" }` }, /is what the new path reads/],
    ['a table on the new path\'s source the queries do not read', 'from: { source: app, table: shadow_sampling_old }', {}, /new path's source/],
    ['the new path\'s table behind an old endpoint', 'from: { source: app, table: shadow_sampling_new }', { old: '{ http: "http://127.0.0.1:1/users/{id}" }' }, /is what the new path reads/],
    ['a table behind two endpoints', 'from: { source: app, table: shadow_sampling_new }', { old: '{ http: "http://127.0.0.1:1/old/{id}" }', new: '{ http: "http://127.0.0.1:1/new/{id}" }' }, /cannot tell/],
  ])('cannot load a sample of %s', (_name, sample, paths, message) => {
    expect(() => catalogFromYaml(check(sample, paths), sources)).toThrow(message);
  });

  it('fails when the sample holds the old side\'s keys (the control)', async () => {
    const catalog = catalogFromYaml(check('from: { source: legacy, table: shadow_sampling_old }'), sources);
    const registry = registryForCatalog(catalog, sources);
    try {
      const result = await execute([...catalog.checks.values()][0]!, registry);
      expect(result.status, result.summary).toBe('fail');
      const obs = result.observations as Record<string, number>;
      expect(obs.missing_in_new).toBe(obs.mismatches);
      expect((obs.mismatches ?? 0) / (obs.sample_size ?? 1)).toBeGreaterThan(0.2);
    } finally {
      await registry.closeAll();
    }
  });

  it('loads a sample declared old behind endpoints the paths cannot place', () => {
    expect(() => catalogFromYaml(check('from: { source: app, table: shadow_sampling_old, side: old }', { old: '{ http: "http://127.0.0.1:1/old/{id}" }', new: '{ http: "http://127.0.0.1:1/new/{id}" }' }), sources)).not.toThrow();
  });
});
