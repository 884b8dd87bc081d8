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
import { ORDERS, neverPasses } from '../support/sql-assert-cases.js';

const FIXED: Record<string, string> = {
  'GROUP BY constant arithmetic': 'select min(id) from orders where total < 0 group by 1 + 1',
  'GROUP BY a function of constants': "select min(id) from orders where total < 0 group by length('')",
  'DISTINCT ON a comparison of constants': 'select distinct on (1 = 1) id from orders where total < 0',
  'DISTINCT over a constant': 'select distinct true from orders where total < 0',
  'DISTINCT over a function of constants': "select distinct length('') from orders where total < 0",
};

neverPasses({ title: 'sql_assert max_rows: 1 over one group of constants', fixture: ORDERS, cases: Object.fromEntries(Object.entries(FIXED).map(([name, query]) => [name, [query, 'max_rows: 1']])) });
