/**
 * A compared value fixed whatever its inputs: column_parity `old: "case when name > 'm' then 'x'
 * else 'x' end"` against the same over `name_v2`, `coalesce(n, 0) - coalesce(n, 0)`, `x * 0`,
 * `left(x, 0)`, `(x = x)::text`, `md5(x) is not null`, `x is not null`, a view or a stored generated
 * column computing such a value, one side fixed against a bare column that happens to hold that
 * value — every fixture below differs in the compared columns and passed on the old code: the
 * value lineage sees two disjoint sets of columns and lets the check run. Each side's value is now
 * evaluated over varied non-NULL inputs (lineage/fixed-values.ts): one that takes fewer than two
 * non-NULL values is `fixed_value`, never a pass. Controls: bare columns, ordinary expressions,
 * also over uniform data and a 1-row table (whose inputs come from the synthetic pool).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';

const FIXTURE = `
  create type mood as enum ('calm', 'loud', 'odd');
  create table countries (id int primary key, name text);
  insert into countries select g, 'country ' || g from generate_series(1, 5) g;
  -- name holds real names, name_v2 'x' everywhere: every compared pair of columns differs.
  create table u (id int primary key, name text, name_v2 text, n int, n2 int, f float8, f2 float8,
    ok boolean, ok2 boolean, d date, d2 date, amount numeric, amount2 numeric, m mood, m2 mood,
    country_id int, country_id_v2 int, country_id_copy int, sparse text, sparse_v2 text);
  insert into u select g, 'name ' || g, 'x', g, -g, g - 50.5, g + 0.25, g % 2 = 0, g % 3 = 0,
    date '2020-01-01' + g, date '2021-06-01' + g, g * 1.5, g * 2.5,
    (array['calm', 'loud', 'odd'])[g % 3 + 1]::mood, 'calm', g % 5 + 1, (g + 1) % 5 + 1, g % 5 + 1,
    case when g % 4 = 0 then null else 's' || g end, case when g % 4 = 0 then null else 'z' end
    from generate_series(1, 120) g;
  alter table u add column name_fixed text generated always as (left(name, 0) || 'x') stored;
  create view uv as select id, left(name, 0) || 'x' as name_fixed, name_v2, n * 0 as n_zero, n2 * 0 as n2_zero from u;
  create view uc as select u.id, u.name_v2, c.name as cname from u join countries c on c.id = u.country_id;
  create table pu (id int primary key, name text, name_v2 text) partition by range (id);
  create table pu_a partition of pu for values from (minvalue) to (60);
  create table pu_b partition of pu for values from (60) to (maxvalue);
  insert into pu select id, name, name_v2 from u;
  create table u2 (id int primary key, name text);
  insert into u2 select id, 'x' from u;

  -- Controls: ordinary migrations, the new columns right.
  create table people (id int primary key, email text, email_lower text, first text, last text,
    full_name text, price_text text, price numeric, v varchar(20), w text);
  insert into people select g, 'Person' || g || '@Example.com', 'person' || g || '@example.com',
    'F' || g, 'L' || g, 'F' || g || ' L' || g, (g * 1.25)::text, g * 1.25, 'v' || g, 'v' || g
    from generate_series(1, 50) g;
  -- Every row holds one value: an expression's inputs must not come from the rows alone.
  create table uniform (id int primary key, email text, email_lower text, first text, last text,
    full_name text, price_text text, price numeric, m mood, m_text text);
  insert into uniform select g, 'Ann@Example.com', 'ann@example.com', 'Ann', 'Lee', 'Ann Lee', '2.50', 2.5, 'loud', 'loud'
    from generate_series(1, 30) g;
  create table one_row (id int primary key, email text, email_lower text, first text, last text, full_name text);
  insert into one_row values (1, 'Ann@Example.com', 'ann@example.com', 'Ann', 'Lee', 'Ann Lee');
  create table one_doc (id int primary key, doc jsonb, email text, local text, d date, d_next date, code text, code_prefix text);
  insert into one_doc values (1, '{"Email": "ann@example.com", "tags": ["a"]}', 'ann@example.com', 'ann', '2024-01-01', '2024-01-02', 'ABC-123', 'ABC');
  create table people_new (id int primary key, full_name text, email_lower text);
  insert into people_new select id, full_name, email_lower from people;
`;

const sameTable = (table: string, old: string, neu: string) => `{ id: c, kind: column_parity, source: app, table: ${table}, key: [id], old: "${old}", new: "${neu}" }`;
const join = (old: string, neu: string) => `{ id: c, kind: column_parity, source: app, key: [id], old: ${old}, new: ${neu} }`;

/** Same-table pairs over u whose columns differ; every one passed on the old code. */
const FIXED: Record<string, [string, string]> = {
  'a case with one answer on both sides': ["case when name > 'm' then 'x' else 'x' end", "case when name_v2 > 'm' then 'x' else 'x' end"],
  'a difference of a value with itself': ['coalesce(n, 0) - coalesce(n, 0)', 'coalesce(n2, 0) - coalesce(n2, 0)'],
  'one side fixed, the other a bare column holding that value': ["left(name, 0) || 'x'", 'name_v2'],
  'times zero': ['n * 0', 'n2 * 0'],
  'a float times zero (negative zero prints apart)': ['f * 0', 'f2 * 0'],
  'an empty prefix': ['left(name, 0)', 'left(name_v2, 0)'],
  'an empty substring': ['substr(name, 1, 0)', 'substr(name_v2, 1, 0)'],
  'a value equal to itself': ['(name = name)::text', '(name_v2 = name_v2)::text'],
  'a hash tested for NULL': ['md5(name) is not null', 'md5(name_v2) is not null'],
  'nullness alone': ['sparse is not null', 'sparse_v2 is not null'],
  'nullness alone, as a case': ["case when sparse is null then 'none' else 'some' end", "case when sparse_v2 is null then 'none' else 'some' end"],
  'greatest minus least of one value': ['greatest(n, n) - least(n, n)', 'greatest(n2, n2) - least(n2, n2)'],
  'a boolean and its negation': ['ok and not ok', 'ok2 and not ok2'],
  'a date minus itself': ['d - d', 'd2 - d2'],
  'an enum compared with itself': ['(m = m)::text', '(m2 = m2)::text'],
  'a stored generated column computing a fixed value': ['name_fixed', 'name_v2'],
  'a lookup returning an empty prefix': ['(select left(c.name, 0) from countries c where c.id = country_id)', '(select left(c.name, 0) from countries c where c.id = country_id_v2)'],
  'a fixed value beside a sub-select of nothing': ["left(name, 0) || (select 'x')", 'name_v2'],
  'numeric times zero (scales differ)': ['amount * 0', 'amount2 * 0'],
  'a length times zero': ['length(name) * 0', 'length(name_v2) * 0'],
  'a repeat of nothing': ['repeat(name, 0)', 'repeat(name_v2, 0)'],
  'two columns compared with one answer': ["case when name > sparse then 'a' else 'a' end", "case when name_v2 > sparse_v2 then 'a' else 'a' end"],
  'a year of a date times zero': ['extract(year from d) * 0', 'extract(year from d2) * 0'],
};

const JOINS: Record<string, [string, string]> = {
  'two tables, one side fixed': ['{ table: u, expr: "left(name, 0) || \'x\'" }', '{ table: u2, expr: name }'],
  'two tables, both fixed': ['{ table: u, expr: "name is not null" }', '{ table: u2, expr: "name is not null" }'],
  'a view computing a fixed column': ['{ table: uv, expr: name_fixed }', '{ table: u2, expr: name }'],
};

/** Ordinary checks: still compared. */
const CONTROLS: Record<string, [string, 'pass' | 'fail']> = {
  'bare columns': [sameTable('people', 'v', 'w'), 'pass'],
  'lower(email) against email_lower': [sameTable('people', 'lower(email)', 'email_lower'), 'pass'],
  "first || ' ' || last against full_name": [sameTable('people', "first || ' ' || last", 'full_name'), 'pass'],
  'a numeric cast': [sameTable('people', 'price_text::numeric', 'price'), 'pass'],
  'lower(email) over uniform data': [sameTable('uniform', 'lower(email)', 'email_lower'), 'pass'],
  "first || ' ' || last over uniform data": [sameTable('uniform', "first || ' ' || last", 'full_name'), 'pass'],
  'a numeric cast over uniform data': [sameTable('uniform', 'price_text::numeric', 'price'), 'pass'],
  'an enum as text over uniform data': [sameTable('uniform', 'm::text', 'm_text'), 'pass'],
  'lower(email) on a 1-row table': [sameTable('one_row', 'lower(email)', 'email_lower'), 'pass'],
  "first || ' ' || last on a 1-row table": [sameTable('one_row', "first || ' ' || last", 'full_name'), 'pass'],
  'a key of a document on a 1-row table': [sameTable('one_doc', "doc->>'Email'", 'email'), 'pass'],
  'the local part of an address on a 1-row table': [sameTable('one_doc', "split_part(email, '@', 1)", 'local'), 'pass'],
  'a date shifted on a 1-row table': [sameTable('one_doc', 'd + 1', 'd_next'), 'pass'],
  'a prefix on a 1-row table': [sameTable('one_doc', 'substr(code, 1, 3)', 'code_prefix'), 'pass'],
  'join form, an expression against a column': [join('{ table: people, expr: "lower(email)" }', '{ table: people_new, expr: email_lower }'), 'pass'],
  'join form, a value of the key against a column': [join('{ table: people, expr: "\'person\' || id" }', '{ table: people_new, expr: "split_part(email_lower, \'@\', 1)" }'), 'pass'],
  'a lookup on each side': [sameTable('u', '(select c.name from countries c where c.id = country_id)', '(select c.name from countries c where c.id = country_id_copy)'), 'pass'],
  'a lookup on each side that differs': [sameTable('u', '(select c.name from countries c where c.id = country_id)', '(select c.name from countries c where c.id = country_id_v2)'), 'fail'],
  'a fixed-looking value that fails': [sameTable('u', "left(name, 0) || 'y'", 'name_v2'), 'fail'],
};

describe.each(engines)('column_parity over a value fixed whatever its inputs, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(FIXTURE);
  });
  afterAll(() => db?.close());

  const run = (check: string) => runCheckFile(db, `sources:\n  app: { url: "${db.url}" }\nchecks:\n  - ${check}\n`);
  const refused = async (check: string) => {
    const result = await run(check);
    expect([result.status, result.error?.code], `${result.summary} ${result.error?.message ?? ''}`).toEqual(['error', 'fixed_value']);
    return result;
  };

  for (const [name, [old, neu]] of Object.entries(FIXED)) {
    it(`same-table form: ${name} is never a pass`, async () => {
      await refused(sameTable('u', old, neu));
    });
  }
  for (const [name, [old, neu]] of Object.entries(JOINS)) {
    it(`join form: ${name} is never a pass`, async () => {
      await refused(join(old, neu));
    });
  }
  it('same-table form through a view computing fixed columns is never a pass', async () => {
    await refused(sameTable('uv', 'n_zero', 'n2_zero'));
  });
  it('same-table form: one side a constant against a bare column holding it is never a pass', async () => {
    // The compare itself fails on a constant side (the planner folds its numeric branch): an error either way.
    const result = await run(sameTable('u', "'x'::text", 'name_v2'));
    expect(result.status, result.summary).toBe('error');
    expect(['fixed_value', 'data_exception']).toContain(result.error?.code);
  });
  it('same-table form over a partitioned table is never a pass', async () => {
    await refused(sameTable('pu', "left(name, 0) || 'x'", 'name_v2'));
    await refused(sameTable('pu', "(select left(c.name, 0) from countries c where c.id = pu.id % 5 + 1) || 'x'", 'name_v2'));
  });
  it('same-table form through a view joining a lookup is never a pass', async () => {
    await refused(sameTable('uc', "left(cname, 0) || 'x'", 'name_v2'));
  });
  it('a value fixed over the rows the filter keeps is never a pass', async () => {
    // Over every row the value reads name; over the rows compared (n <= 60) it is 'x'.
    // The same-table form cannot even load: its where reads a column old is computed from (a scope
    // reading the compared values, lineage/scope-lineage.ts and checkfile/compared-scope.ts).
    const scoped = `{ id: c, kind: column_parity, source: app, table: u, key: [id], where: "n <= 60", old: "case when n <= 60 then 'x' else name end", new: name_v2 }`;
    await expect(run(scoped)).rejects.toThrow(/checks\[0\]\.where: reads "n", which old or new is computed from/);
    await refused(join('{ table: u, expr: "case when n <= 60 then \'x\' else name end", where: "n <= 60" }', '{ table: u2, expr: name, where: "id <= 60" }'));
  });
  it('still compares an expression under a filter, over uniform rows', async () => {
    const result = await run(`{ id: c, kind: column_parity, source: app, table: uniform, key: [id], where: "id <= 10", old: "lower(email)", new: email_lower }`);
    expect([result.status, result.error?.message ?? null], result.summary).toEqual(['pass', null]);
  });
  // A filter testing another column's nullness (scenario 04's `duplicate_of is null`) met no stand-in
  // row while that column was fed values: a real expression on a 1-row table was refused.
  it('still compares an expression under a filter on another column\'s nullness, over one row', async () => {
    await db.exec("drop table if exists one_row_scoped; create table one_row_scoped (id int primary key, email text, email_lower text, duplicate_of int); insert into one_row_scoped values (1, ' Ann@Example.com ', 'ann@example.com', null)");
    const result = await run(`{ id: c, kind: column_parity, source: app, table: one_row_scoped, key: [id], where: "duplicate_of is null", old: "nullif(lower(btrim(email)), '')", new: email_lower }`);
    expect([result.status, result.error?.message ?? null], result.summary).toEqual(['pass', null]);
  });
  it('same-table form, chunked: a fixed value is never a pass', async () => {
    const result = await runCheckFile(db, `sources:\n  app: { url: "${db.url}", scan: { mode: chunked, chunk_rows: 100 } }\nchecks:\n  - ${sameTable('u', 'n * 0', 'n2 * 0')}\n`);
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'fixed_value']);
  });
  it('names the side and says why', async () => {
    const result = await refused(sameTable('u', "left(name, 0) || 'x'", 'name_v2'));
    expect(result.error?.message).toMatch(/\bold\b/);
    expect(result.error?.message).toMatch(/one value whatever/);
  });

  for (const [name, [check, expected]] of Object.entries(CONTROLS)) {
    it(`still compares: ${name}`, async () => {
      const result = await run(check);
      expect([result.status, result.error?.message ?? null], result.summary).toEqual([expected, null]);
    });
  }
});
