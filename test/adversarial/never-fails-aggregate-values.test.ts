/**
 * sql_assert over one row of aggregates whose value is fixed by the arithmetic around the
 * aggregate, whatever the aggregate counts: `count(*) * 0`, `count(*) - count(*)`,
 * `least(count(*), 0)`, `coalesce(max(x), 0) * 0`, `count(*)::text is not null`, `count(*) % 1`,
 * `sign(count(*)) >= 0`, `count(*) < 1e19`, `count(distinct 1) <= 1`,
 * `coalesce(bool_and(true), true)`, or a `count(*) filter (where total < 0)` under
 * `where total >= 0` (`expect: { value }`); and the same in HAVING under `rows: 0`
 * (`having count(*) * 0 > 0`, `having sum(1) < 0`, `having count(*) > 1e19`). `count(*) > -1` and
 * `having count(*) < 0` are refused at load (a count is never negative), but the load-time
 * judgement calls a value fixed only when it "depends on nothing" (literals, operators over
 * literals), and these depend on an aggregate; the plan check looks at which rows are read, not at
 * what the one output row computes. column_parity refuses the same shapes over a row's columns
 * (`fixed_value`: `x * 0`, `coalesce(n, 0) - coalesce(n, 0)`, `x is not null`); sql_assert passed
 * them over a table where half the orders break the assertion.
 * Sound outcome: not a pass (refused at load, or an error such as `never_fails`/`fixed_value`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';

const FIXED: Record<string, [string, string]> = {
  'a count times zero': ['select count(*) * 0 from orders where total < 0', 'value: 0'],
  'a count minus itself': ['select count(*) - count(*) from orders where total < 0', 'value: 0'],
  'least of a count and zero': ['select least(count(*), 0) from orders where total < 0', 'value: 0'],
  'a maximum filled and times zero': ['select coalesce(max(total), 0) * 0 from orders where total < 0', 'value: 0'],
  'a count that is never NULL, tested for NULL': ['select (count(*) filter (where total < 0))::text is not null from orders', 'value: true'],
  'a count compared with itself': ['select count(*) filter (where total < 0) = count(*) filter (where total < 0) from orders', 'value: true'],
  'a count modulo one': ['select count(*) % 1 from orders where total < 0', 'value: 0'],
  'the sign of a count, never negative': ['select sign(count(*)) >= 0 from orders where total < 0', 'value: true'],
  'a count below more rows than a table holds': ['select count(*) filter (where total < 0) < 1e19 from orders', 'value: true'],
  'a distinct count of a constant': ['select count(distinct 1) <= 1 from orders where total < 0', 'value: true'],
  'an aggregate of a constant, filled': ['select coalesce(bool_and(true), true) from orders where total < 0', 'value: true'],
  'a FILTER the WHERE contradicts': ['select count(*) filter (where total < 0) from orders where total >= 0', 'value: 0'],
  'HAVING a count times zero': ['select 1 from orders where total < 0 having count(*) * 0 > 0', 'rows: 0'],
  'HAVING a sum of ones below zero': ['select 1 from orders where total < 0 having sum(1) < 0', 'rows: 0'],
  'HAVING a count above more rows than a table holds': ['select 1 from orders where total < 0 having count(*) > 1e19', 'rows: 0'],
};

describe.each(engines)('sql_assert values fixed around an aggregate, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table orders (id int primary key, total numeric not null);
      insert into orders select g, case when g % 2 = 0 then -1 else 1 end from generate_series(1, 100) g;
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
