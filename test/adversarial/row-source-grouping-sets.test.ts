/**
 * Counted rows made by GROUP BY grouping sets (rv-counts, beyond its five views): an empty grouping
 * set adds a grand-total row whatever the table holds, and a set listed twice (or two sets) makes
 * a group once per set, so a side counts "table rows + a constant" or "table rows × a constant".
 * The row-source judge (kinds/lineage/row-source.ts) followed every aggregate but a plain one to its
 * input as a table's rows; it now follows a plan node only when it is known to keep each input row
 * at most once (an allow-list), and a grouping only with exactly one non-empty grouping set.
 * Each case holds as many rows as its old side (checked first), so only a refusal stands between
 * it and a pass. Controls: a plain GROUP BY of the key (and a single grouping set) still compares.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck, statusOfCheck } from '../support/run-check.js';
import { judgeRowSource } from '../../src/kinds/lineage/row-source.js';

/** [name, new side, old side]: each pair holds as many rows. */
const CASES: [string, string, string][] = [
  ['ROLLUP of two columns', 'users_rollup_two', 'legacy'],
  ['CUBE of two columns', 'users_cube_two', 'legacy_151'],
  ['a view of a ROLLUP view', 'users_rollup_outer', 'legacy'],
  ['a view of a view of a ROLLUP view, filtered', 'users_rollup_outer_filtered', 'legacy'],
  ['a ROLLUP in a sub-select', 'users_rollup_subquery', 'legacy'],
  ['a ROLLUP in a WITH query (inlined)', 'users_rollup_cte', 'legacy'],
  ['a ROLLUP in a materialized WITH query', 'users_rollup_cte_materialized', 'legacy'],
  ['a key beside ROLLUP of itself (every group twice)', 'users_key_and_rollup', 'legacy_150'],
  ['GROUP BY DISTINCT of two ROLLUPs (an empty set left)', 'users_distinct_rollups', 'legacy'],
  ['grouping sets of two columns (a group per set)', 'users_two_sets', 'legacy'],
  ['a grouping set listed twice, under ORDER BY', 'users_twice_sorted', 'legacy'],
  ['a ROLLUP unioned with a table', 'users_rollup_union', 'legacy'],
  ['a table joined to two empty grouping sets (two rows, doubling it)', 'users_doubled_by_empty_sets', 'legacy'],
  ['a ROLLUP under DISTINCT (the grand-total row kept)', 'users_rollup_distinct', 'legacy'],
];

describe.each(engines)('row_count sides made by GROUP BY grouping sets, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table legacy (id int primary key, name text);
      insert into legacy select g, 'x' from generate_series(1, 100) g;
      create table legacy_150 (id int primary key);
      insert into legacy_150 select g from generate_series(1, 150) g;
      create table legacy_151 (id int primary key);
      insert into legacy_151 select g from generate_series(1, 151) g;
      -- the backfill missed row 100
      create table users_new (id int primary key, name text);
      insert into users_new select g, 'x' from generate_series(1, 99) g;
      -- the backfill copied half the rows
      create table users_half (id int primary key, name text);
      insert into users_half select g, 'n' || g from generate_series(1, 50) g;
      -- 98 rows under one name
      create table users_98 (id int primary key, name text);
      insert into users_98 select g, 'x' from generate_series(1, 98) g;
      create view users_rollup as select id from users_new group by rollup (id);
      create view users_rollup_two as select id, name from users_98 group by rollup (name, id);
      create view users_cube_two as select id, name from users_half group by cube (id, name);
      create view users_rollup_outer as select * from users_rollup;
      create view users_rollup_outer_filtered as select * from users_rollup_outer where true;
      create view users_rollup_subquery as select s.id from (select id from users_new group by rollup (id)) s;
      create view users_rollup_cte as with r as (select id from users_new group by rollup (id)) select id from r;
      create view users_rollup_cte_materialized as with r as materialized (select id from users_new group by rollup (id)) select id from r;
      create function rolled_up_ids() returns setof int language sql stable as $$ select id from users_new group by rollup (id) $$;
      create view users_rollup_function as select id from rolled_up_ids() as id;
      create view users_key_and_rollup as select id from users_new where id <= 75 group by id, rollup (id);
      create view users_distinct_rollups as select id from users_new group by distinct rollup (id), rollup (id);
      create view users_two_sets as select id, name from users_half group by grouping sets ((id), (name));
      create view users_twice_sorted as select id from users_half group by grouping sets ((id), (id)) order by id;
      create view users_rollup_union as select id from users_new where id <= 49 group by rollup (id) union all select id from users_half where id <= 100;
      create view users_doubled_by_empty_sets as select u.id from users_half u cross join (select count(*) from users_half group by grouping sets ((), ())) two;
      create view users_rollup_distinct as select distinct id from users_new group by rollup (id);
      -- controls
      create table users_full (id int primary key, name text);
      insert into users_full select g, 'x' from generate_series(1, 100) g;
      create view users_grouped as select id from users_new group by id;
      create view users_one_set as select id from users_new group by grouping sets ((id));
      create view full_grouped as select id, count(*) as n from users_full group by id;
      create view full_one_set_sorted as select id from users_full group by grouping sets ((id)) order by id;
      create view full_rollup_filtered as select id from users_full group by rollup (id) having id is not null;
      -- null_check: the same judge over its counted rows. 2 NULL names in 10 (20%); joined to a
      -- ROLLUP whose grand-total row is folded into tag 1, each named row counts twice: 2 in 18 (11%).
      create table holes (id int primary key, name text, tag int not null);
      insert into holes select g, case when g in (1, 2) then null else 'x' end, case when g in (1, 2) then 0 else 1 end from generate_series(1, 10) g;
      create table tags (tag int primary key);
      insert into tags values (0), (1);
      create view holes_by_rollup as select h.id, h.name from holes h join (select coalesce(tag, 1) as tag from tags group by rollup (tag)) r on r.tag = h.tag;
      create view holes_by_table as select h.id, h.name from holes h join tags t on t.tag = h.tag;
    `);
  });
  afterAll(() => db?.close());

  for (const [name, view, old] of CASES) {
    it(`does not pass a new side counted through ${name}`, async () => {
      const [{ a }] = (await db.exec(`select (select count(*) from ${view})::int - (select count(*) from ${old})::int as a`)) as [{ a: number }];
      if (a !== 0) return expect.unreachable(`${view} and ${old} should hold as many rows (differ by ${a})`);
      const status = await statusOfCheck(db, `{ id: c, kind: row_count, old: { source: app, table: ${old} }, new: { source: app, table: ${view} } }`);
      expect(status).toMatch(/^error fixed_rows/);
    });
  }

  it('does not pass the grouping-set side as the old one either', async () => {
    expect(await statusOfCheck(db, '{ id: c, kind: row_count, old: { source: app, table: users_rollup }, new: { source: app, table: legacy } }')).toMatch(/^error fixed_rows/);
  });

  it('names the grouping sets in the refusal', async () => {
    const result = await runCheck(db, 'checks:\n  - { id: c, kind: row_count, old: { source: app, table: legacy }, new: { source: app, table: users_rollup } }\n');
    expect(result.error?.message).toMatch(/grouping sets, 2 sets, 1 of them empty/);
  });

  it.each([
    ['a plain GROUP BY of the key', 'users_grouped'],
    ['a single grouping set of the key', 'users_one_set'],
  ])('still compares %s (fails at 99 of 100)', async (_name, view) => {
    expect(await statusOfCheck(db, `{ id: c, kind: row_count, old: { source: app, table: legacy }, new: { source: app, table: ${view} } }`)).toMatch(/^fail/);
  });

  it.each([
    ['a GROUP BY of the key with an aggregate', 'full_grouped'],
    ['a single grouping set of the key, sorted', 'full_one_set_sorted'],
  ])('still passes %s over every row', async (_name, view) => {
    expect(await statusOfCheck(db, `{ id: c, kind: row_count, old: { source: app, table: legacy }, new: { source: app, table: ${view} } }`)).toMatch(/^pass/);
  });

  it('held: a ROLLUP whose grand-total row a HAVING removes is refused too (the plan does not say the filter removes it)', async () => {
    expect(await statusOfCheck(db, '{ id: c, kind: row_count, old: { source: app, table: legacy }, new: { source: app, table: full_rollup_filtered } }')).toMatch(/^error fixed_rows/);
  });

  it('does not pass a null_check whose counted rows a ROLLUP joined to them multiplies', async () => {
    const check = (table: string) => `checks:\n  - { id: c, kind: null_check, source: app, table: ${table}, columns: [name], max_null_ratio: 0.15 }\n`;
    expect((await runCheck(db, check('holes'))).status).toBe('fail');
    expect((await runCheck(db, check('holes_by_table'))).status).toBe('fail');
    const result = await runCheck(db, check('holes_by_rollup'));
    expect(result.error?.code).toBe('fixed_rows');
  });

  it('refuses a ROLLUP read through a SQL function (user code, before any judgement of its rows)', async () => {
    expect(await statusOfCheck(db, '{ id: c, kind: row_count, old: { source: app, table: legacy }, new: { source: app, table: users_rollup_function } }')).toMatch(/^error implicit_code/);
  });
});

describe('judgeRowSource over aggregates and unknown nodes', () => {
  const plan = (node: Record<string, unknown>) => [{ Plan: node }];
  const scan = { 'Node Type': 'Seq Scan', 'Parent Relationship': 'Outer', 'Relation Name': 't' };
  const aggregate = (fields: Record<string, unknown>) => ({ 'Node Type': 'Aggregate', 'Parent Relationship': 'Outer', Plans: [scan], ...fields });

  it('follows a grouping by one key, hashed or sorted, and one non-empty grouping set', () => {
    expect(judgeRowSource(plan(aggregate({ Strategy: 'Hashed', 'Group Key': ['t.id'] })))).toEqual({ fromTable: true });
    expect(judgeRowSource(plan(aggregate({ Strategy: 'Sorted', 'Group Key': ['t.id'] })))).toEqual({ fromTable: true });
    expect(judgeRowSource(plan(aggregate({ Strategy: 'Sorted', 'Grouping Sets': [{ 'Group Keys': [['t.id']] }] })))).toEqual({ fromTable: true });
  });

  it('takes an empty set beside a key, two sets, or a set twice as rows no table holds', () => {
    for (const sets of [
      [{ 'Hash Keys': [['t.id']] }, { 'Group Keys': [[]] }],
      [{ 'Group Keys': [['t.id'], []] }],
      [{ 'Hash Keys': [['t.id']] }, { 'Hash Keys': [['t.id']] }],
      [{ 'Sort Key': ['t.name'], 'Group Keys': [['t.name']] }, { 'Sort Key': ['t.id'], 'Group Keys': [['t.id']] }],
    ]) {
      for (const strategy of ['Mixed', 'Sorted', 'Hashed']) {
        expect(judgeRowSource(plan(aggregate({ Strategy: strategy, 'Grouping Sets': sets }))).fromTable).toBe(false);
      }
    }
  });

  it('takes a plain aggregate over two empty grouping sets as more than one row (it multiplies a table it is joined to)', () => {
    const two = aggregate({ Strategy: 'Plain', 'Grouping Sets': [{ 'Group Keys': [[], []] }] });
    const one = aggregate({ Strategy: 'Plain' });
    const table = { ...scan, 'Parent Relationship': 'Inner' };
    expect(judgeRowSource(plan({ 'Node Type': 'Nested Loop', 'Join Type': 'Inner', Plans: [one, table] }))).toEqual({ fromTable: true });
    expect(judgeRowSource(plan({ 'Node Type': 'Nested Loop', 'Join Type': 'Inner', Plans: [two, table] })).fromTable).toBe(false);
  });

  it('takes an aggregate with a grouping strategy but no key printed, or no strategy, as rows no table holds', () => {
    expect(judgeRowSource(plan(aggregate({ Strategy: 'Hashed' }))).fromTable).toBe(false);
    expect(judgeRowSource(plan(aggregate({}))).fromTable).toBe(false);
    expect(judgeRowSource(plan(aggregate({ Strategy: 'Mixed', 'Group Key': ['t.id'] }))).fromTable).toBe(false);
  });

  it('follows only plan nodes known to keep each input row at most once', () => {
    for (const type of ['Result', 'Subquery Scan', 'Sort', 'Incremental Sort', 'Materialize', 'Memoize', 'Gather', 'Gather Merge', 'LockRows', 'Limit', 'Unique', 'Group', 'WindowAgg', 'SetOp', 'Append', 'Merge Append']) {
      expect(judgeRowSource(plan({ 'Node Type': type, Plans: [scan] })), type).toEqual({ fromTable: true });
    }
    for (const type of ['Custom Scan', 'ModifyTable', 'Some Future Node']) {
      expect(judgeRowSource(plan({ 'Node Type': type, Plans: [scan] })), type).toEqual({ fromTable: false, node: `${type} (a plan node not known to keep each row of its input at most once)` });
    }
  });

  it('takes a relation only from a relation scan', () => {
    expect(judgeRowSource(plan({ 'Node Type': 'Foreign Scan', 'Relation Name': 'ft' }))).toEqual({ fromTable: true });
    expect(judgeRowSource(plan({ 'Node Type': 'Index Only Scan', 'Relation Name': 't' }))).toEqual({ fromTable: true });
    // A node naming a relation is not a scan of its rows (a data-modifying statement's RETURNING, an extension's scan).
    expect(judgeRowSource(plan({ 'Node Type': 'ModifyTable', 'Relation Name': 't' })).fromTable).toBe(false);
    expect(judgeRowSource(plan({ 'Node Type': 'Custom Scan', 'Relation Name': 't' })).fromTable).toBe(false);
    // A foreign scan of a pushed-down join or aggregate names no relation: rows the remote computes.
    expect(judgeRowSource(plan({ 'Node Type': 'Foreign Scan' })).fromTable).toBe(false);
  });
});
