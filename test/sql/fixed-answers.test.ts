import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRowFunctions } from '../../src/sql/builtin-row-functions.js';
import { expressionIsFixed, expressionTruth, F, N, queryAnswerOf, T } from '../../src/sql/fixed-answers.js';
import { loadSqlParser } from '../../src/sql/parser.js';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';

beforeAll(loadSqlParser);

// A name missing from either list would make a query's row count look fixed when it is not.
describe.each(engines)('the aggregate and set-returning built-ins against the catalog of %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(engine); });
  afterAll(() => db?.close());

  it('lists every pg_catalog aggregate and window function there', async () => {
    const rows = await db.exec(`select distinct proname::text as name from pg_proc where pronamespace = 'pg_catalog'::regnamespace and prokind in ('a', 'w')`);
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.map((row) => String(row.name)).filter((name) => !builtinRowFunctions().aggregates.has(name))).toEqual([]);
  });
  it('lists every pg_catalog set-returning function there', async () => {
    const rows = await db.exec(`select distinct proname::text as name from pg_proc where pronamespace = 'pg_catalog'::regnamespace and proretset`);
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.map((row) => String(row.name)).filter((name) => !builtinRowFunctions().setReturning.has(name))).toEqual([]);
  });
});

describe('predicate folding', () => {
  it.each([
    ['false and x', F], ['x and false', F], ['null and x', F | N], ['x or true', T], ['true or null', T], ['not (x is distinct from x)', T],
    ['x is not distinct from x', T], ['x = x', T | N], ['x <> x', F | N], ['case when false then x end', N], ['coalesce(true, x)', T],
    ['null::int = 1', N], ['1 = 1.5', F], ['count(*) >= 0', T], ['count(*) < 0', F], ["'off'::boolean", F], ['(select false)', F],
    ['exists (select 1 where false)', F], ['x in (select 1 where false)', F], ['x is true or x is not true', T], ['random() > 0.5 is true or random() > 0.5 is not true', T | F], ['x', T | F | N],
    ['not coalesce(x = x, true)', F], ['(x > 0 or x <= 0) is not true', T | F], ['nullif(x > 0, true)', F | N], ['(x > 5) is not false and x < 3', F | N],
  ])('%s', (text, truth) => {
    expect(expressionTruth(text)).toBe(truth);
  });
  it('treats volatile and sub-query sides as two values', () => {
    expect(expressionTruth('random() is distinct from random()')).toBe(T | F);
    expect(expressionTruth('(select x from t limit 1) = (select x from t limit 1)')).toBe(T | F | N);
  });
  it('tells values fixed on any data from values of a column, the clock or the catalog', () => {
    for (const text of ['1', "upper('a')", 'coalesce(1, amount)', 'amount > 0 or true', "'2020-01-01'::date + 1"]) expect(expressionIsFixed(text), text).toBe(true);
    for (const text of ['amount', 'now()', "to_regclass('t')", 'count(*)', 'row_number() over ()', '(select 1)', 'random()', "'users'::regclass", "'users'::regclass::oid > 0"]) expect(expressionIsFixed(text), text).toBe(false);
  });
});

describe('row bounds of a query', () => {
  it.each([
    ['select 1', 1, 1], ['select 1 from t', 0, Infinity], ['select count(*) from t', 1, 1], ['select count(*) from t group by x', 0, Infinity],
    ['select 1 from t limit 3', 0, 3], ['select 1 from t limit 3 offset 1', 0, 3], ['select 1 offset 1', 0, 0], ['select 1 union all select 2', 2, 2], ['select 1 union select 1', 1, 2],
    ['values (1), (2), (3)', 3, 3], ['select unnest(array[1, 2])', 0, Infinity], ['select 1 from t left join (select 1) z on true', 0, Infinity],
    ['select 1 from (select 1) a left join t on true', 1, Infinity], ['select 1 from t having count(*) > 1', 0, 1], ['select distinct 1 from (values (1), (2)) v', 1, 1], ['select distinct v.x from (values (1), (2)) v(x)', 1, 2],
    ['select 1 from t group by 1 + 1', 0, 1], ['select 1 from t o where o.k not in (select u.k from t u)', 0, 0], ['select 1 from t o where o.k not in (select u.k from t u where u.x > 0)', 0, Infinity],
    ['select 1 from t o where not exists (select 1 from t u where u.k is not distinct from o.k)', 0, 0], ['select 1 from t o where not exists (select 1 from t u where u.k = o.k)', 0, Infinity], ['select 1 from t o where not exists (select 1 from s u where u.k is not distinct from o.k)', 0, Infinity], ['select 1 from t group by x, 1 + 1', 0, Infinity], ['select distinct on (1 = 1) x from t', 0, 1], ['select distinct length(\'\') from t', 0, 1],
    ['with recursive c(n) as (select 1 union all select n + 1 from c where n < 3) select n from c', 0, Infinity], ['select * from generate_series(1, 3)', 0, Infinity],
  ])('%s: %d to %d', (query, min, max) => {
    expect(queryAnswerOf(query)?.rows).toEqual({ min, max });
  });
});
