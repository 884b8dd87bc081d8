/**
 * `sample.from.where` narrows the population a shadow read's pass is about. A filter that reads
 * the NEW side's table ("rows that exist in the new table") leaves out exactly the rows the new
 * side lost: the sample holds only keys the new side kept, and a migration that dropped 30% of
 * the rows passed. A `where` naming a relation the new query reads cannot load.
 * (A filter that matches the loss without reading the new table — `id % 10 >= 3` — cannot be
 * told from the text; docs/shadow-reads-and-diffs.md says to scope only by what the old side holds.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, runFirstCheck } from '../support/run-check.js';

function check(where: string): string {
  return `checks:
  - id: sample-where
    kind: shadow_read
    key: [id]
    sample: { size: 400, from: { source: legacy, table: sw_old, where: ${JSON.stringify(where)} } }
    old: { source: legacy, query: "select id, name from sw_old where id = any($keys)" }
    new: { source: app, query: "select id, name from sw_new where id = any($keys)" }
    max_mismatch_rate: 0.05
`;
}

describe.each(engines)('shadow_read sample.from.where on %s', (engine) => {
  let db: TestDatabase;
  let sources: Record<string, TestDatabase>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    sources = { legacy: db, app: db };
    await db.exec(`create table sw_old (id bigint primary key, name text, region int);
      insert into sw_old select g, 'user ' || g, g % 4 from generate_series(1, 5000) g;
      create table sw_new as select * from sw_old where id % 10 >= 3;
      alter table sw_new add primary key (id);
      create table sw_regions (id int primary key, active boolean);
      insert into sw_regions select g, g < 3 from generate_series(0, 3) g`);
  });
  afterAll(() => db?.close());

  async function outcome(yaml: string): Promise<string> {
    let catalog;
    try {
      catalog = catalogFromYaml(yaml, sources);
    } catch (error) {
      return `refused: ${(error as Error).message}`;
    }
    const result = await runFirstCheck(catalog, sources);
    return `${result.status}: ${result.summary}`;
  }

  it.each([
    ['an EXISTS on the new table', 'exists (select 1 from sw_new n where n.id = sw_old.id)'],
    ['an IN on the new table', 'id in (select id from sw_new)'],
    ['an IN on the new table, schema-qualified', 'id in (select id from public.sw_new)'],
    ['a NOT IN on the old table minus the new one', 'id not in (select id from sw_old except select id from sw_new)'],
    ['a scalar sub-query on the new table', '(select count(*) from sw_new n where n.id = sw_old.id) > 0'],
    ['a sub-query through a CTE', 'id in (with n as (select id from sw_new) select id from n)'],
  ])('does not pass a where that keeps only the new side\'s keys: %s', async (_name, where) => {
    const said = await outcome(check(where));
    expect(said).toMatch(/^refused: .*sample\.from.*new path reads/s);
  });

  it.each([
    ['a plain column filter', 'id > 10'],
    ['a filter on an old-side lookup table', 'region in (select id from sw_regions where active)'],
  ])('loads and shows the loss with %s (control)', async (_name, where) => {
    const said = await outcome(check(where));
    expect(said).toMatch(/^fail/);
  });
});
