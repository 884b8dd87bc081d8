import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../src/sql/parser.js';
import { nullTestedByTable, nullTestedColumnsOf } from '../../src/sql/null-tested-columns.js';

beforeAll(() => loadSqlParser());

describe('NULL-tested columns, by the table SQL resolves them to', () => {
  it('attributes a qualified column to the innermost FROM item of that name', () => {
    expect(nullTestedColumnsOf('select 1 from orders o where exists (select 1 from customers c where c.s is null)')).toEqual([{ column: 's', tables: [51] }]);
    expect(nullTestedColumnsOf('select 1 from orders o where exists (select 1 from customers orders where orders.s is null)')).toEqual([{ column: 's', tables: [51] }]);
    expect(nullTestedColumnsOf('select 1 from orders o where exists (select 1 where o.s is null)')).toEqual([{ column: 's', tables: [14] }]);
  });

  it('gives an unqualified column every table of the innermost level with FROM items', () => {
    expect(nullTestedColumnsOf('select 1 from orders o, customers c where s is null')).toEqual([{ column: 's', tables: [14, 24] }]);
  });

  it('names no table where the owner is not certain', () => {
    for (const query of [
      'select 1 from orders o cross join lateral (select o.total as s) z where z.s is not null',
      'with c as (select s from customers) select 1 from orders o, c where c.s is null',
      'select 1 from orders o join customers c using (id) where s is null',
      'select 1 from orders o where exists (select 1 from (customers o join x on true) j where o.s is null)',
      'select 1 from orders o where exists (select 1 from generate_series(1, 2) where generate_series.s is null)',
      'select 1 from (select s from orders) o where o.s is null',
    ]) expect(nullTestedColumnsOf(query), query).toEqual([]);
  });

  it('lifts a test for the one candidate holding the column, and none when a candidate\'s columns are unknown', () => {
    const columns = new Map([[1, ['id', 's']], [2, ['id']]]);
    expect(nullTestedByTable([{ column: 's', tables: [1, 2] }], (at) => columns.get(at))).toEqual(new Map([[1, new Set(['s'])]]));
    expect(nullTestedByTable([{ column: 'id', tables: [1, 2] }], (at) => columns.get(at))).toEqual(new Map());
    expect(nullTestedByTable([{ column: 's', tables: [1, 3] }], (at) => columns.get(at))).toEqual(new Map());
  });
});
