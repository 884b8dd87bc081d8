/**
 * From hr-kinds' never-fails-self-relations.test.ts (its EXCEPT cases are not fixed yet): sql_assert
 * queries that hold a relation against itself, so they return no row whatever it holds:
 *   - an anti-join of a table against itself by its own rows: `not exists (select 1 from orders u
 *     where u.id is not distinct from o.id)` (every row finds itself, NULL ids included) and
 *     `o.id not in (select u.id from orders u)` (a row's id is in the list, or is NULL, or the
 *     list holds a NULL: never true) — an orphan check whose lookup names the checked table itself.
 * No constraint is involved: each is empty on any data. Each passed where 50 orders break the
 * assertion the arms state.
 * Sound outcome: not a pass (refused at load, or `error: never_fails`).
 */
import { neverPasses } from '../support/sql-assert-cases.js';

const FIXED: Record<string, string> = {
  'NOT EXISTS of the same row by IS NOT DISTINCT FROM': 'select o.id from orders o where o.total < 0 and not exists (select 1 from orders u where u.id is not distinct from o.id)',
  'NOT IN the same column of the same table': 'select o.id from orders o where o.total < 0 and o.id not in (select u.id from orders u)',
};

// No primary key and no NOT NULL: nothing but the query's shape keeps its answer empty.
neverPasses({
  title: 'sql_assert over a relation held against itself',
  fixture: `create table orders (id int, total numeric);
    insert into orders select g, case when g % 2 = 0 then -1 else 1 end from generate_series(1, 100) g;
    insert into orders values (null, -1);
    create view neg_v as select * from orders where total < 0;`,
  cases: Object.fromEntries(Object.entries(FIXED).map(([name, query]) => [name, [query, 'rows: 0']])),
}, 51);
