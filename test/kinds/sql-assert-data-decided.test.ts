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

/**
 * Data whose sampled values make some generated rows raise (a time zone name made of a constant's
 * neighbours, `'Europe/Berlinx'`) and whose other samples sit in DST gaps: every round that held a
 * raising row concluded nothing, and the witness, finding no other, refused a check the data decides
 * (a replay of scenario 03 hit it on a correct migration). A raising round is now tried row by row.
 */
passes({
  title: 'sql_assert checks whose generated rows may raise',
  fixture: `
  create table events (id int primary key, time_zone text, occurred_at timestamp, occurred_at_tz timestamptz);
  insert into events values
    (1, 'Europe/Berlin', '2008-03-30 02:00:00', '2008-03-30 03:00:00+02'),
    (2, 'Europe/Berlin', '1970-01-01 00:00:00', '1970-01-01 00:00:00+01'),
    (3, 'Europe/Berlin', '2030-03-31 02:00:01', '2030-03-31 03:00:01+02');`,
  cases: {
    'a wall-clock round trip over zones named in the rows': [
      `select id from events
        where (occurred_at at time zone coalesce(time_zone, 'Europe/Berlin')) at time zone coalesce(time_zone, 'Europe/Berlin') = occurred_at
          and occurred_at is distinct from (occurred_at_tz at time zone coalesce(time_zone, 'Europe/Berlin'))`,
      'rows: 0',
    ],
  },
});
