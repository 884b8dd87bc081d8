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
import { ORDERS, neverPasses } from '../support/sql-assert-cases.js';

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

neverPasses({ title: 'sql_assert under a LIMIT the judgements cannot read', fixture: `${ORDERS}
  create view orders_none as select * from orders limit 0;`, cases: FIXED });
