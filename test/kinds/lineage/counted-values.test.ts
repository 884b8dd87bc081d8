/**
 * What null_check and row_count count must be data: a counted column that can be NULL
 * (lineage/null-probe.ts) and rows that come from a table's rows (lineage/row-source.ts). Refusals
 * name their code; ordinary tables and views still fail over NULLs and missing rows, and pass when
 * the data is right (a NOT NULL column included).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../../support/databases.js';
import { runCheck } from '../../support/run-check.js';
import { judgeRowSource } from '../../../src/kinds/lineage/row-source.js';

const nullCheck = (table: string, column: string, where?: string) =>
  `checks:\n  - { id: c, kind: null_check, source: app, table: ${table}, columns: [${column}]${where === undefined ? '' : `, where: "${where}"`} }\n`;
const rowCount = (old: string, current: string) =>
  `checks:\n  - { id: c, kind: row_count, old: { source: app, table: ${old} }, new: { source: app, table: ${current} } }\n`;

describe.each(engines)('counted values and rows, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table holes (id int primary key, name text, other text);
      insert into holes select g, case when g % 2 = 0 then 'Ada' end, null from generate_series(1, 20) g;
      create table filled (id int primary key, name text, other text, name_upper text generated always as (upper(name)) stored, name_filled text generated always as (coalesce(name, '-')) stored);
      insert into filled (id, name) select g, 'Ada' from generate_series(1, 20) g;
      create table strict (id int primary key, name text not null);
      insert into strict select g, 'Ada' from generate_series(1, 20) g;
      create table lookup (id int primary key, label text);
      insert into lookup select g, 'L' from generate_series(1, 20) g;
      create view holes_plain as select id, name as fn from holes;
      create view holes_upper as select id, upper(name) as name from holes;
      create view holes_either as select id, coalesce(name, other) as name from holes;
      create view holes_guarded as select id, case when id > 0 then coalesce(name, '') end as name from holes;
      create view filled_plain as select id, name from filled;
      create view filled_either as select id, coalesce(name, other) as name from filled;
      create view filled_coalesce as select id, coalesce(name, '') as name from filled;
      create view filled_joined as select f.id, l.label from filled f left join lookup l on l.id = f.id;
      create view filled_union as select id, name from filled union all select id, name from strict;
      create view filled_series as select f.id, f.name from filled f join generate_series(1, 2) g on true;
      create view filled_with_max as select f.id, f.name, m.top from filled f cross join (select max(id) as top from lookup) m;
      create table legacy1 (id int primary key);
      insert into legacy1 select g from generate_series(1, 1) g;
      create table legacy2 (id int primary key);
      insert into legacy2 select g from generate_series(1, 2) g;
      create table legacy20 (id int primary key);
      insert into legacy20 select g from generate_series(1, 20) g;
      create table legacy25 (id int primary key);
      insert into legacy25 select g from generate_series(1, 25) g;
      create table legacy40 (id int primary key);
      insert into legacy40 select g from generate_series(1, 40) g;
      create view filled_count as select count(*) as n from filled;
      create view filled_plus as select id from filled union all select g from generate_series(1, 5) g;
      create view numbers as select g as n from generate_series(1, 5) g;
      create view filled_values as select v as id from (values (1), (2)) as t(v);
      create table parted (id int, name text) partition by range (id);
      create table parted_a partition of parted for values from (1) to (11);
      create table parted_b partition of parted for values from (11) to (21);
      insert into parted select g, 'Ada' from generate_series(1, 20) g;
    `);
  });
  afterAll(() => db?.close());

  it.each([
    ['a table', 'holes', 'name'],
    ['a view renaming the column', 'holes_plain', 'fn'],
    ['a view of a strict function of it', 'holes_upper', 'name'],
    ['a view filling it from another nullable column', 'holes_either', 'name'],
  ])('a null_check over NULLs fails through %s', async (_name, table, column) => {
    const result = await runCheck(db, nullCheck(table, column));
    expect(result.status).toBe('fail');
  });

  it.each([
    ['a table', 'filled', 'name'],
    ['a NOT NULL column', 'strict', 'name'],
    ['a stored generated column of a strict function', 'filled', 'name_upper'],
    ['a plain view', 'filled_plain', 'name'],
    ['a view filling from a nullable column', 'filled_either', 'name'],
    ['the outer-joined side of a view', 'filled_joined', 'label'],
    ['a union of tables', 'filled_union', 'name'],
    ['a table joined to one row of an aggregate', 'filled_with_max', 'name'],
    ['a partitioned table', 'parted', 'name'],
  ])('a null_check over filled data passes through %s', async (_name, table, column) => {
    const result = await runCheck(db, nullCheck(table, column));
    expect(result.error ?? undefined).toBeUndefined();
    expect(result.status).toBe('pass');
  });

  it.each([
    ['a view coalescing it', 'filled_coalesce', 'name'],
    ['a stored generated column coalescing it', 'filled', 'name_filled'],
    ['a view filling it behind a NOT NULL guard', 'holes_guarded', 'name'],
  ])('a null_check over a column never NULL is never_null: %s', async (_name, table, column) => {
    const result = await runCheck(db, nullCheck(table, column));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('never_null');
  });

  it('a null_check over the rows of a series joined to nothing is fixed_rows', async () => {
    const result = await runCheck(db, nullCheck('filled_values', 'id'));
    expect(result.status).toBe('error');
    const series = await runCheck(db, nullCheck('numbers', 'n'));
    expect(series.error?.code).toBe('fixed_rows');
  });

  it("a null_check over a table's rows multiplied by a series is fixed_rows", async () => {
    const result = await runCheck(db, nullCheck('filled_series', 'name'));
    expect(result.error?.code).toBe('fixed_rows');
  });

  it.each([
    ['a table', 'legacy20', 'strict'],
    ['a plain view', 'legacy20', 'filled_plain'],
    ['a union of tables', 'legacy40', 'filled_union'],
    ['a table joined to one row of an aggregate', 'legacy20', 'filled_with_max'],
    ['a view outer-joining a lookup', 'legacy20', 'filled_joined'],
    ['a partitioned table', 'legacy20', 'parted'],
  ])('a row_count passes against %s', async (_name, old, table) => {
    const result = await runCheck(db, rowCount(old, table));
    expect(result.error ?? undefined).toBeUndefined();
    expect(result.status).toBe('pass');
  });

  it('a row_count over a view of a table still fails on missing rows', async () => {
    const result = await runCheck(db, rowCount('legacy40', 'filled_plain'));
    expect(result.status).toBe('fail');
  });

  it.each([
    ['an aggregate with no GROUP BY', 'filled_count', 'legacy1'],
    ['a table plus a series', 'filled_plus', 'legacy25'],
    ['VALUES', 'filled_values', 'legacy2'],
    ['a table multiplied by a series joined to it', 'filled_series', 'legacy40'],
  ])('a row_count against %s is fixed_rows', async (_name, table, old) => {
    // Each pair holds equal counts, so only the refusal stands between them and a pass.
    const [{ a }] = (await db.exec(`select (select count(*) from ${table})::int - (select count(*) from ${old})::int as a`)) as [{ a: number }];
    if (a !== 0) return expect.unreachable(`${table} and ${old} should hold as many rows`);
    const result = await runCheck(db, rowCount(old, table));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('fixed_rows');
  });
});

describe('judgeRowSource', () => {
  const plan = (node: Record<string, unknown>) => [{ Plan: node }];
  const series = { 'Node Type': 'Function Scan', 'Parent Relationship': 'Outer', 'Function Name': 'generate_series' };
  const table = { 'Node Type': 'Hash', 'Parent Relationship': 'Inner', Plans: [{ 'Node Type': 'Seq Scan', 'Parent Relationship': 'Outer', 'Relation Name': 't' }] };
  it('follows the preserved side of an outer join', () => {
    const left = { 'Node Type': 'Hash Join', 'Join Type': 'Left', Plans: [series, table] };
    expect(judgeRowSource(plan(left))).toEqual({ fromTable: false, node: 'Function Scan (generate_series)' });
    expect(judgeRowSource(plan({ ...left, 'Join Type': 'Full' })).fromTable).toBe(false);
    expect(judgeRowSource(plan({ ...left, 'Join Type': 'Semi' })).fromTable).toBe(false);
    expect(judgeRowSource(plan({ ...left, 'Join Type': 'Right Anti' }))).toEqual({ fromTable: true });
  });
  it("takes a table's rows multiplied by a series joined to them as not a table's", () => {
    const join = { 'Node Type': 'Hash Join', 'Join Type': 'Inner', Plans: [series, table] };
    expect(judgeRowSource(plan(join))).toEqual({ fromTable: false, node: "Function Scan (generate_series) joined to the other side's rows, multiplying them" });
    expect(judgeRowSource(plan({ ...join, 'Join Type': 'Right' })).fromTable).toBe(false);
    const flipped = { ...join, Plans: [{ ...table, 'Parent Relationship': 'Outer' }, { ...series, 'Parent Relationship': 'Inner' }] };
    expect(judgeRowSource(plan(flipped)).fromTable).toBe(false);
    expect(judgeRowSource(plan({ ...flipped, 'Join Type': 'Left' })).fromTable).toBe(false);
    // Each table row matched at most once, or the series side only filtering: the table's rows.
    expect(judgeRowSource(plan({ ...flipped, 'Inner Unique': true }))).toEqual({ fromTable: true });
    expect(judgeRowSource(plan({ ...flipped, 'Join Type': 'Semi' }))).toEqual({ fromTable: true });
  });
  it("takes a table joined to one row (an aggregate with no GROUP BY) as the table's rows", () => {
    const one = { 'Node Type': 'Aggregate', Strategy: 'Plain', 'Parent Relationship': 'Outer', Plans: [{ ...series }] };
    expect(judgeRowSource(plan({ 'Node Type': 'Nested Loop', 'Join Type': 'Inner', Plans: [one, table] }))).toEqual({ fromTable: true });
    expect(judgeRowSource(plan({ 'Node Type': 'Nested Loop', 'Join Type': 'Inner', Plans: [one, { ...one, 'Parent Relationship': 'Inner' }] })).fromTable).toBe(false);
  });
  it('takes a select-list set-returning function and a recursive union as rows no table holds', () => {
    const scan = { 'Node Type': 'Seq Scan', 'Parent Relationship': 'Outer', 'Relation Name': 't' };
    expect(judgeRowSource(plan({ 'Node Type': 'ProjectSet', Plans: [scan] })).fromTable).toBe(false);
    const recursive = { 'Node Type': 'Recursive Union', Plans: [scan, { 'Node Type': 'WorkTable Scan', 'Parent Relationship': 'Inner' }] };
    expect(judgeRowSource(plan(recursive))).toEqual({ fromTable: false, node: 'Recursive Union (rows generated from its own earlier rows)' });
  });
  it('takes a plan proving no row as a table read (min_rows judges it)', () => {
    expect(judgeRowSource(plan({ 'Node Type': 'Result', 'One-Time Filter': 'false' }))).toEqual({ fromTable: true });
    expect(judgeRowSource(plan({ 'Node Type': 'Result' })).fromTable).toBe(false);
  });
  it('does not take a sub-plan as rows', () => {
    const node = { 'Node Type': 'Result', Plans: [{ 'Node Type': 'Seq Scan', 'Parent Relationship': 'InitPlan', 'Relation Name': 't', 'Subplan Name': 'InitPlan 1 (returns $0)' }] };
    expect(judgeRowSource(plan(node)).fromTable).toBe(false);
  });
});
