/**
 * A compared value computed from the column it is compared with, on the same rows: column_parity
 * `old: name`, `new: "coalesce(name, name)"` (or `name || ''`, or `name || left(id::text, 0)`, or
 * a sub-select reading the row back, or a view renaming `name`) compared a value with itself and
 * passed whatever the data held; `new: "coalesce(name_v2, name)"` passed wherever the backfill had
 * never written name_v2. The same through the join form over one table, a view of it or the key
 * matched on both sides, and table_diff's column mapping of a table against itself. Each fixture
 * below passes on the old code. The plan now tells what each value is computed from
 * (kinds/lineage/value-lineage.ts): a column in common is `self_comparison` or `reads_other_side`.
 * Controls: values computed from other columns (lookups through one table included) still compare.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';

const FIXTURE = `
  create table countries (id int primary key, name text);
  insert into countries select g, 'country ' || g from generate_series(1, 5) g;
  create table u (id int primary key, name text, name_v2 text, first text, last text, full_name text,
    country_id int, country_id_v2 int, parent_id int, parent_name text, kind text);
  insert into u select g, 'n' || g, null, 'f' || g, 'l' || g, 'f' || g || ' l' || g, g % 5 + 1, g % 5 + 1,
    case when g > 1 then g - 1 end, case when g > 1 then 'n' || (g - 1) end, 'a'
    from generate_series(1, 200) g;
  alter table u add column name_gen text generated always as (name || '') stored,
    add column name_fallback text generated always as (coalesce(name_v2, name)) stored;
  create view u_all as select * from u;
  create view u_renamed as select id, name as w, name_v2 as w2 from u;
  create table u_copy (id int primary key, name text, legacy_id text);
  insert into u_copy select id, name, id::text from u;
  create table pu (id int primary key, name text, name_v2 text) partition by range (id);
  create table pu_a partition of pu for values from (minvalue) to (1000);
  create table pu_b partition of pu for values from (1000) to (maxvalue);
  insert into pu select id, name, null from u;
`;

/** Same-table form on u: `old: name` against each of these passed on any data (name_v2 is NULL). */
const SAME_TABLE_NEW = [
  'coalesce(name, name)',
  "name || ''",
  "name || left(id::text, 0)",
  'coalesce(name_v2, name)',
  "case when id > 0 then name else name_v2 end",
  'nullif(name, name_v2)',
  'greatest(name, name_v2)',
  '(select u2.name from u u2 where u2.id = u.id)',
  '(select r.w from u_renamed r where r.id = u.id)',
  '(select a.name from u_all a where a.id = u.id)',
  "concat(name, name_v2)",
  'name_gen',
  'name_fallback',
];

const sameTable = (neu: string) => `{ id: c, kind: column_parity, source: app, table: u, key: [id], old: name, new: "${neu}" }`;
const join = (old: string, neu: string) => `{ id: c, kind: column_parity, source: app, key: [id], old: ${old}, new: ${neu} }`;

/** Join-form pairs over the same rows, or both computed from the key they are matched on. */
const JOINS: Record<string, [string, string]> = {
  'one table, coalesce of itself': ['{ table: u, expr: name }', '{ table: u, expr: "coalesce(name, name)" }'],
  'one table, a fall-back on the old column': ['{ table: u, expr: name }', '{ table: u, expr: "coalesce(name_v2, name)" }'],
  'a plain view of the table': ['{ table: u, expr: name }', '{ table: u_all, expr: "name || \'\'" }'],
  'a view renaming the column': ['{ table: u, expr: name }', '{ table: u_renamed, expr: "coalesce(w2, w)" }'],
  'a partitioned table against its partition holding every row': ['{ table: pu, expr: name }', '{ table: pu_a, expr: "coalesce(name_v2, name)" }'],
  'two tables, both values the key itself': ['{ table: u, expr: id }', '{ table: u_copy, expr: "id + 0" }'],
  'two tables, the new value reads the old table back': ['{ table: u, expr: name }', '{ table: u_copy, expr: "(select o.name from u o where o.id = u_copy.id)" }'],
};

/** Values computed from other columns: still compared (the result is the data's). */
const CONTROLS: Record<string, [string, 'pass' | 'fail']> = {
  'same table, two names for a person': [`{ id: c, kind: column_parity, source: app, table: u, key: [id], old: "first || ' ' || last", new: full_name }`, 'pass'],
  'same table, a lookup on each side through one table': ['{ id: c, kind: column_parity, source: app, table: u, key: [id], old: "(select c.name from countries c where c.id = country_id)", new: "(select c.name from countries c where c.id = country_id_v2)" }', 'pass'],
  'same table, the parent row read back by another column': ['{ id: c, kind: column_parity, source: app, table: u, key: [id], old: parent_name, new: "(select p.name from u p where p.id = u.parent_id)" }', 'pass'],
  'same table, a column not yet backfilled': [sameTable('name_v2'), 'fail'],
  'two tables, one column each': [join('{ table: u, expr: name }', '{ table: u_copy, expr: name }'), 'pass'],
  'two tables, the key against a column': [join('{ table: u, expr: "id::text" }', '{ table: u_copy, expr: legacy_id }'), 'pass'],
  'table_diff of two tables': ['{ id: c, kind: table_diff, key: [id], old: { source: app, table: u_copy }, new: { source: app, table: u }, columns: { name: name } }', 'pass'],
};

/** table_diff mappings of u against itself (or a view of it). */
const DIFFS: Record<string, string> = {
  'a column against a function of itself': '{ id: c, kind: table_diff, key: [id], old: { source: app, table: u }, new: { source: app, table: u }, columns: { name: "coalesce(name, name)" } }',
  'a fall-back on the old column': '{ id: c, kind: table_diff, key: [id], old: { source: app, table: u }, new: { source: app, table: u }, columns: { name: "coalesce(name_v2, name)" } }',
  'through a second source name for the same database': '{ id: c, kind: table_diff, key: [id], old: { source: app, table: u }, new: { source: again, table: u_all }, columns: { name: "name || \'\'" } }',
  'through a renaming view': '{ id: c, kind: table_diff, key: [id], old: { source: app, table: u }, new: { source: app, table: u_renamed }, columns: { name: "w || \'\'" } }',
};

describe.each(engines)('a value compared with a function of its own columns, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(FIXTURE);
  });
  afterAll(() => db?.close());

  // A second name for the same database (a Postgres URL that differs only in a harmless parameter).
  const again = engine === 'postgres' ? () => `\n  again: { url: "${db.url}${db.url.includes('?') ? '&' : '?'}application_name=again" }` : () => '';
  const run = (check: string) => runCheckFile(db, `sources:\n  app: { url: "${db.url}" }${again()}\nchecks:\n  - ${check}\n`);
  const refused = async (check: string) => {
    const result = await run(check);
    expect(result.status, `${result.summary} ${result.error?.message ?? ''}`).toBe('error');
    expect(['self_comparison', 'reads_other_side']).toContain(result.error?.code);
    return result;
  };

  for (const neu of SAME_TABLE_NEW) {
    it(`same-table form: name against ${neu} is never a pass`, async () => {
      await refused(sameTable(neu));
    });
    it(`same-table form, chunked: name against ${neu} is never a pass`, async () => {
      const result = await runCheckFile(db, `sources:\n  app: { url: "${db.url}", scan: { mode: chunked, chunk_rows: 100 } }\nchecks:\n  - ${sameTable(neu)}\n`);
      expect([result.status, result.error?.code], result.summary).not.toContain('pass');
      expect(['self_comparison', 'reads_other_side']).toContain(result.error?.code);
    });
  }
  for (const [name, [old, neu]] of Object.entries(JOINS)) {
    it(`join form: ${name} is never a pass`, async () => {
      await refused(join(old, neu));
    });
  }
  for (const [name, check] of Object.entries(DIFFS)) {
    // An embedded database is reached by one name only.
    if (engine === 'pglite' && check.includes('source: again')) continue;
    it(`table_diff: ${name} is never a pass`, async () => {
      await refused(check);
    });
  }
  for (const [name, [check, expected]] of Object.entries(CONTROLS)) {
    it(`still compares: ${name}`, async () => {
      const result = await run(check);
      expect([result.status, result.error?.message ?? null], result.summary).toEqual([expected, null]);
    });
  }

  it('names the column both values are computed from', async () => {
    const result = await refused(sameTable('coalesce(name_v2, name)'));
    expect(result.error?.code).toBe('reads_other_side');
    expect(result.error?.message).toMatch(/\bname\b/);
    const same = await refused(sameTable('coalesce(name, name)'));
    expect(same.error?.code).toBe('self_comparison');
  });
});
