/**
 * Tables of sql_assert cases over one `orders` fixture, on every engine: each case a query and its
 * `expect:` text. `neverPasses` asserts the sound outcome of a query whose answer no data decides
 * (refused at load, or `error`), after checking the trap is armed (negative totals present);
 * `passes` asserts a check the data decides still passes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from './databases.js';
import { runCheckFile } from './run-check.js';

/** 100 orders, every even one with a negative total. */
export const ORDERS = `create table orders (id int primary key, total numeric not null);
  insert into orders select g, case when g % 2 = 0 then -1 else 1 end from generate_series(1, 100) g;`;

/** orders_old (100 rows) copied into orders_new by a backfill that missed row 100; tables dropped first. */
export const ORDERS_BACKFILL_MISSED_ONE = `drop table if exists orders_old, orders_new cascade;
    create table orders_old (id int primary key, total int);
    create table orders_new (id int primary key, total int);
    insert into orders_old select g, g from generate_series(1, 100) g;
    insert into orders_new select g, g from generate_series(1, 99) g;`;

/** A case: the query and its expectation as written under `expect: { … }`. */
export type SqlAssertCases = Record<string, [query: string, expectation: string]>;

interface Suite { title: string; fixture: string; cases: SqlAssertCases }

function eachEngine(title: string, fixture: string, body: (db: () => TestDatabase) => void): void {
  describe.each(engines)(`${title}, on %s`, (engine) => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase(engine);
      await db.exec(fixture);
    });
    afterAll(() => db?.close());
    body(() => db);
  });
}

const runAssert = (db: TestDatabase, query: string, expectation: string) => runCheckFile(db, `sources:\n  app: { url: "${db.url}" }\nchecks:\n  - { id: c, kind: sql_assert, source: app, query: ${JSON.stringify(query)}, expect: { ${expectation} } }\n`);

/** Each case is refused at load or ends in `error`; `negative`: how many orders the fixture makes negative. */
export function neverPasses({ title, fixture, cases }: Suite, negative = 50): void {
  eachEngine(title, fixture, (db) => {
    for (const [name, [query, expectation]] of Object.entries(cases)) {
      it(`never passes: ${name}`, async () => {
        // The trap is armed: orders with a negative total are there.
        const [{ count }] = (await db().exec('select count(*)::int as count from orders where total < 0')) as [{ count: number }];
        expect(count).toBe(negative);
        let status: string;
        try {
          const result = await runAssert(db(), query, expectation);
          status = result.status === 'pass' ? `pass: ${result.summary}` : result.status;
        } catch (e) {
          status = /query/.test((e as Error).message) ? 'refused at load' : `threw: ${(e as Error).message}`;
        }
        expect(['error', 'refused at load']).toContain(status);
      });
    }
  });
}

/** Each case passes. */
export function passes({ title, fixture, cases }: Suite): void {
  eachEngine(title, fixture, (db) => {
    for (const [name, [query, expectation]] of Object.entries(cases)) {
      it(`passes: ${name}`, async () => {
        const result = await runAssert(db(), query, expectation);
        expect(`${result.status}: ${result.summary}`, JSON.stringify(result.observations)).toMatch(/^pass/);
      });
    }
  });
}
