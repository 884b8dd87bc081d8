/**
 * sql_assert compared an expected date, time, timestamp, interval or uuid with the returned value
 * by the type's own `=`. For interval that `=` is not equality of values: it counts a month as 30
 * days and a day as 24 hours, so `expect: { value: "30 days" }` passed over a query that returned
 * `1 mon` (which adds 29 days to 1 February and 31 to 1 March), and "1 day" over `24:00:00` (which
 * differs across a daylight-saving change). Each is now compared as the canonical text of the
 * value (under the pinned IntervalStyle, TimeZone and DateStyle): one stored value, one text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** [query's value, expected text, equal?] */
const CASES: [string, string, boolean][] = [
  ["interval '1 mon'", '30 days', false],
  ["interval '24 hours'", '1 day', false],
  ["interval '1 year'", '360 days', false],
  ["interval '1 day'", '1 days', true],
  ["interval '90 minutes'", '01:30:00', true],
  ["interval '1 mon'", '1 month', true],
  ["timestamptz '2024-01-01 01:00+01'", '2024-01-01 00:00:00+00', true],
  ["timestamptz '2024-01-01 01:00+01'", '2024-01-01 01:00:00+00', false],
  ["timetz '10:00+01'", '09:00:00+00', false],
  ["date '2024-01-02'", '2024-01-02', true],
  ["uuid 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', true],
];

describe.each(engines)('sql_assert expect.value against values with many spellings, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
  });
  afterAll(() => db.close());

  it('passes only when the returned value is the expected one', async () => {
    const seen: unknown[] = [];
    for (const [value, expected] of CASES) {
      const result = await runCheck(db, `checks:
  - { id: v, kind: sql_assert, source: app, query: ${JSON.stringify(`select ${value} where not exists (select 1 from pg_namespace where nspname = 'parity_never')`)}, expect: { value: ${JSON.stringify(expected)} } }
`);
      seen.push([value, expected, result.status]);
    }
    expect(seen).toEqual(CASES.map(([value, expected, equal]) => [value, expected, equal ? 'pass' : 'fail']));
  });
});
