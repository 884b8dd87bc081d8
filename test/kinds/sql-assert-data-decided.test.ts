/** Checks the data decides still pass once LIMITs are computed, views opened and aggregates probed. */
import { ORDERS, passes } from '../support/sql-assert-cases.js';

const DECIDED: Record<string, [string, string]> = {
  'a count compared with a constant': ['select count(*) = 50 from orders where total < 0', 'value: true'],
  'a count not equal to a constant': ['select count(*) = 5 from orders where total < 0', 'value: false'],
  'a bare count': ['select count(*) from orders where total < 0', 'value: 50'],
  'a sum of ones against a large bound': ['select 1 from orders having sum(1) > 1000', 'rows: 0'],
  'a HAVING on a count': ['select 1 from orders where total < 0 having count(*) > 60', 'rows: 0'],
  'a maximum with arithmetic': ['select coalesce(max(id), 0) + 1 from orders', 'value: 101'],
  'a LIMIT of constants that keeps rows': ['select id from orders where total < 0 limit 2 + 3', 'rows: 5'],
  'a view with a LIMIT that keeps rows': ['select id from orders_some where total < 0', 'min_rows: 1'],
  'GROUP BY a column and a constant': ['select min(id) from orders group by total, 1 + 1', 'rows: 2'],
};

passes({ title: 'sql_assert checks the data decides', fixture: `${ORDERS}
  create view orders_some as select * from orders order by id limit 10;`, cases: DECIDED });
