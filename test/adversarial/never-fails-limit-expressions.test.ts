/**
 * sql_assert queries whose LIMIT keeps no row (or at most the expected rows) whatever the tables
 * hold, spelt so that neither judgement sees it. The load-time judgement reads a literal LIMIT
 * (`limit 0` is refused) but not one computed from constants (`limit 1 - 1`, `limit length('')`,
 * `limit greatest(0, 0)`), nor one read from a sub-select (`limit (select 0)`), nor a LIMIT inside a
 * view the query reads (`create view … as select * from orders limit 0`); and the plan check cannot
 * see a LIMIT's count (EXPLAIN prints none), so `Limit` over the scan looks like any other. Each
 * loaded and passed over a table where half the orders break the assertion.
 * Sound outcome: not a pass (refused at load, or `error: never_fails`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';

const FIXED: Record<string, [string, string]> = {
  'a LIMIT of constant arithmetic': ['select id from orders where total < 0 limit 1 - 1', 'rows: 0'],
  'a LIMIT of a function of constants': ["select id from orders where total < 0 limit length('')", 'rows: 0'],
  'a LIMIT of greatest(0, 0)': ['select id from orders where total < 0 limit greatest(0, 0)', 'rows: 0'],
  'a LIMIT read from a sub-select': ['select id from orders where total < 0 limit (select 0)', 'rows: 0'],
  'a LIMIT 0 inside a sub-select': ['select id from (select * from orders limit 1 - 1) s where total < 0', 'rows: 0'],
  'a view whose definition ends in LIMIT 0': ['select id from orders_none where total < 0', 'rows: 0'],
  'a LIMIT of constant arithmetic under max_rows': ['select id from orders where total < 0 limit 1 + 0', 'max_rows: 1'],
  'a count over a LIMIT of constant arithmetic': ['select count(*) from (select 1 from orders where total < 0 limit 1 - 1) s', 'value: 0'],
};

describe.each(engines)('sql_assert under a LIMIT the judgements cannot read, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table orders (id int primary key, total numeric not null);
      insert into orders select g, case when g % 2 = 0 then -1 else 1 end from generate_series(1, 100) g;
      create view orders_none as select * from orders limit 0;
    `);
  });
  afterAll(() => db?.close());

  const run = (query: string, expectation: string) => runCheckFile(db, `sources:\n  app: { url: "${db.url}" }\nchecks:\n  - { id: c, kind: sql_assert, source: app, query: ${JSON.stringify(query)}, expect: { ${expectation} } }\n`);

  for (const [name, [query, expectation]] of Object.entries(FIXED)) {
    it(`never passes: ${name}`, async () => {
      // The trap is armed: 50 orders have a negative total.
      const [{ negative }] = (await db.exec('select count(*)::int as negative from orders where total < 0')) as [{ negative: number }];
      expect(negative).toBe(50);
      let status: string;
      try {
        const result = await run(query, expectation);
        status = result.status === 'pass' ? `pass: ${result.summary}` : result.status;
      } catch (e) {
        status = /query/.test((e as Error).message) ? 'refused at load' : `threw: ${(e as Error).message}`;
      }
      expect(['error', 'refused at load']).toContain(status);
    });
  }
});
