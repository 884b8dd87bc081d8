/**
 * sql_assert `max_rows: 1` over a query that groups or de-duplicates by an expression of constants:
 * `group by 1 + 1`, `group by length('')`, `distinct on (1 = 1)`, `select distinct true`,
 * `select distinct length('')`. Every row falls in one group, so the query returns at most one
 * row whatever the tables hold and `max_rows: 1` can never fail — the fixed-answer judgement
 * counts GROUP BY and DISTINCT by their row bounds, but takes only a literal (which Postgres reads
 * as a column position, or refuses) as one group; the plan check looks for rows no data can give,
 * not for a bound on them. Each loaded and passed where 50 orders break the assertion.
 * Sound outcome: not a pass (refused at load, or `error: never_fails`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';

const FIXED: Record<string, string> = {
  'GROUP BY constant arithmetic': 'select min(id) from orders where total < 0 group by 1 + 1',
  'GROUP BY a function of constants': "select min(id) from orders where total < 0 group by length('')",
  'DISTINCT ON a comparison of constants': 'select distinct on (1 = 1) id from orders where total < 0',
  'DISTINCT over a constant': 'select distinct true from orders where total < 0',
  'DISTINCT over a function of constants': "select distinct length('') from orders where total < 0",
};

describe.each(engines)('sql_assert max_rows: 1 over one group of constants, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table orders (id int primary key, total numeric not null);
      insert into orders select g, case when g % 2 = 0 then -1 else 1 end from generate_series(1, 100) g;
    `);
  });
  afterAll(() => db?.close());

  for (const [name, query] of Object.entries(FIXED)) {
    it(`never passes: ${name}`, async () => {
      // The trap is armed: 50 orders have a negative total.
      const [{ negative }] = (await db.exec('select count(*)::int as negative from orders where total < 0')) as [{ negative: number }];
      expect(negative).toBe(50);
      let status: string;
      try {
        const result = await runCheckFile(db, `sources:\n  app: { url: "${db.url}" }\nchecks:\n  - { id: c, kind: sql_assert, source: app, query: ${JSON.stringify(query)}, expect: { max_rows: 1 } }\n`);
        status = result.status === 'pass' ? `pass: ${result.summary}` : result.status;
      } catch (e) {
        status = /query/.test((e as Error).message) ? 'refused at load' : `threw: ${(e as Error).message}`;
      }
      expect(['error', 'refused at load']).toContain(status);
    });
  }
});
