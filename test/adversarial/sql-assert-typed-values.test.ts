/**
 * sql_assert `expect: { value }` on dates, times, timestamps and intervals: the database decides
 * equality, but an expected text cast into the query's type may lose what it says — a time of day
 * into a date, an offset into a zone-less timestamp or time — and interval `=` calls '1 mon' and
 * '30 days' equal although they add differently to a date. Each case here passed on the old code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

// Read through a catalog table (pg_catalog's oid is 11 everywhere), so the answer is not fixed by
// the query's shape: a constant query is refused at load (never-fails-folded.test.ts).
const valueCheck = (id: string, query: string, value: string) => `
  - id: ${id}
    kind: sql_assert
    source: app
    query: ${JSON.stringify(`select * from (${query}) q where not exists (select 1 from pg_namespace where nspname = 'parity_never')`)}
    expect: { value: ${JSON.stringify(value)} }
`;

describe.each(engines)('sql_assert typed expected values on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(() => db.close());

  const cases: [string, string, string, 'pass' | 'fail'][] = [
    // A time of day the date cannot hold.
    ['date-vs-timestamp-text', "select '2024-01-01'::date", '2024-01-01 12:34', 'fail'],
    ['date-vs-midnight', "select '2024-01-01'::date", '2024-01-01 00:00:00', 'pass'],
    ['date-same', "select '2024-01-01'::date", '2024-01-01', 'pass'],
    ['date-other-spelling', "select '2024-01-01'::date", 'January 1, 2024', 'pass'],
    // An offset a zone-less timestamp or time cannot hold (the cast drops it).
    ['timestamp-vs-offset', "select '2024-01-01 10:00'::timestamp", '2024-01-01 10:00+05', 'fail'],
    ['timestamp-vs-utc-offset', "select '2024-01-01 10:00'::timestamp", '2024-01-01 10:00+00', 'pass'],
    ['timestamp-same', "select '2024-01-01 10:00'::timestamp", '2024-01-01T10:00:00', 'pass'],
    ['time-vs-offset', "select '12:00'::time", '12:00+05', 'fail'],
    ['time-same', "select '12:00'::time", '12:00:00', 'pass'],
    // A value the timestamp holds only rounded (beyond microseconds).
    ['timestamp-vs-nanoseconds', "select '2024-01-01 10:00'::timestamp", '2024-01-01 10:00:00.0000004', 'fail'],
    ['timestamptz-vs-nanoseconds', "select '2024-01-01 10:00+00'::timestamptz", '2024-01-01 10:00:00.0000004+00', 'fail'],
    ['time-vs-nanoseconds', "select '12:00'::time", '12:00:00.0000004', 'fail'],
    // Interval = normalises months to 30 days and days to 24 hours: different intervals, equal by =.
    ['interval-month-vs-30-days', "select '30 days'::interval", '1 mon', 'fail'],
    ['interval-day-vs-24-hours', "select '24 hours'::interval", '1 day', 'fail'],
    ['interval-year-vs-12-months', "select '1 year'::interval", '12 months', 'pass'],
    ['interval-same', "select '1 day 02:00'::interval", '1 day 2 hours', 'pass'],
    ['interval-vs-nanoseconds', "select '1 second'::interval", '1.0000004 seconds', 'fail'],
    // timetz keeps its offset; the same instant at another offset is another value.
    ['timetz-other-offset', "select '12:00+01'::timetz", '11:00+00', 'fail'],
    ['timetz-same', "select '12:00+01'::timetz", '12:00:00+01', 'pass'],
  ];

  it('an expected value the query type cannot hold exactly, or an interval of other fields, fails', async () => {
    const catalog = catalogFromYaml(`checks:\n${cases.map(([id, query, value]) => valueCheck(id, query, value)).join('')}`, { app: db });
    const registry = registryForCatalog(catalog, { app: db });
    const statuses: Record<string, string> = {};
    const summaries: Record<string, string> = {};
    try {
      for (const [id, check] of catalog.checks) {
        const result = await execute(check, registry);
        statuses[id] = result.status;
        summaries[id] = result.summary;
      }
    } finally {
      await registry.closeAll();
    }
    expect(statuses).toEqual(Object.fromEntries(cases.map(([id, , , want]) => [id, want])));
    expect(summaries['date-vs-timestamp-text']).toMatch(/cannot be held exactly as a date/);
  });
});
