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
import { ORDERS, neverPasses } from '../support/sql-assert-cases.js';

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

neverPasses({ title: 'sql_assert values fixed around an aggregate', fixture: ORDERS, cases: FIXED });
