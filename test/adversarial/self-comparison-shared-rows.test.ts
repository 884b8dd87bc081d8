/**
 * Two sides that read SHARED rows through inheritance or partitioning. The refusal compared the
 * rows-holding relations under each side for equality only, and took two ordinary tables of
 * different oids as apart: an inheritance parent with no rows of its own counted against its child,
 * a partitioned table with one empty partition against its other partition, two parents of one
 * child, a view over a parent, an `ONLY` view, multi-level partitions and a partition attached to a
 * parent in another schema all read the very same rows on both sides, and every such check passed
 * (each fixture below is built so that the check passes on the old code: the shared rows are all
 * there is). Sides whose rows-holding relations overlap at all are now `error` (`self_comparison`):
 * on the shared rows the check compares something with itself, and can fail only on the rest.
 * A view that wraps a plain projection in a sub-select or a WITH query shows its table's rows too.
 * Controls: two partitions of one parent, an `ONLY` view of a parent against its child, a view of
 * a filtering sub-select, and two plain tables still compare.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';

const FIXTURE = `
  create table ip (id int primary key, v text);
  create table ic (id int primary key, v text);
  alter table ic inherit ip;
  insert into ic select g, 'v' || g from generate_series(1, 300) g;
  create view ip_all as select * from ip;
  create view ic_alone as select * from only ic;
  create view ip_alone as select * from only ip;
  create view ip_all_renamed as select id as id, v as w from ip_all;

  create table op (id int, v text);
  create table np (id int, v text);
  create table kid (id int primary key, v text);
  alter table kid inherit op;
  alter table kid inherit np;
  insert into kid select g, 'v' || g from generate_series(1, 300) g;

  create table pt (id int primary key, v text) partition by range (id);
  create table pt_a partition of pt for values from (minvalue) to (1000);
  create table pt_b partition of pt for values from (1000) to (maxvalue);
  insert into pt select g, 'v' || g from generate_series(1, 300) g;
  create view pt_all as select * from pt;

  create table ml (id int primary key, v text) partition by range (id);
  create table ml_a partition of ml for values from (minvalue) to (1000) partition by range (id);
  create table ml_a1 partition of ml_a for values from (minvalue) to (500);
  create table ml_a2 partition of ml_a for values from (500) to (1000);
  create table ml_b partition of ml for values from (1000) to (maxvalue);
  insert into ml select g, 'v' || g from generate_series(1, 300) g;

  create schema far;
  create table far.cp (id int primary key, v text) partition by range (id);
  create table public.cp_here partition of far.cp for values from (minvalue) to (1000);
  create table far.cp_rest partition of far.cp for values from (1000) to (maxvalue);
  insert into far.cp select g, 'v' || g from generate_series(1, 300) g;

  create table sib (id int primary key, v text) partition by range (id);
  create table sib_a partition of sib for values from (minvalue) to (151);
  create table sib_b partition of sib for values from (151) to (maxvalue);
  insert into sib select g, 'v' || g from generate_series(1, 299) g;
  create table hp (id int primary key, v text);
  create table hc (id int primary key, v text);
  alter table hc inherit hp;
  insert into hp select g, 'v' || g from generate_series(1, 300) g;
  insert into hc select g, 'v' || g from generate_series(1, 299) g;
  create view hp_alone as select * from only hp;
  create table copy_a (id int primary key, v text);
  create table copy_b (id int primary key, v text);
  insert into copy_a select g, 'v' || g from generate_series(1, 300) g;
  insert into copy_b select g, 'v' || g from generate_series(1, 300) g;
  create table ue (id int primary key, v text);
  create view copy_a_and_ue as select * from copy_a union all select id, v from public.ue;
  create view sib_both as select id, v from sib_a union all select * from sib_b;
  create view ic_and_ue as select * from ue union all (select id, v from only ic union all select id, v from ue);
  create view copy_a_wrapped as select * from (select * from copy_a) s;
  create view copy_a_cte as with c as (select id, v from copy_a) select * from c;
  create view copy_a_deep as select s.id, s.w as v from (select x.id, x.v as w from (select * from public.copy_a) x) s;
  create view copy_a_even as select * from (select * from copy_a where id % 2 = 0) s;
`;

/** Pairs of sides reading shared rows: [old, new]. */
const SHARED: Record<string, [string, string]> = {
  'an inheritance parent without rows of its own against its child': ['ip', 'ic'],
  'a child against its parent (the other way round)': ['ic', 'ip'],
  'a plain view of the parent against the child': ['ip_all', 'ic'],
  'an ONLY view of the child against its parent': ['ic_alone', 'ip'],
  'two parents of one child': ['op', 'np'],
  'a partitioned table against its partition holding every row (the other empty)': ['pt', 'pt_a'],
  'a plain view of a partitioned table against its partition holding every row': ['pt_all', 'pt_a'],
  'a multi-level partitioned table against a leaf two levels down': ['ml', 'ml_a1'],
  'a sub-partitioned partition against its leaf': ['ml_a', 'ml_a1'],
  'a multi-level partitioned table against its sub-partitioned partition': ['ml', 'ml_a'],
  'a partition in public attached to a parent in another schema': ['far.cp', 'cp_here'],
  'a UNION ALL view of a table and an empty table against the table': ['copy_a_and_ue', 'copy_a'],
  'a UNION ALL view of two partitions against their parent': ['sib_both', 'sib'],
  'nested UNION ALLs of an ONLY child and an empty table against the parent': ['ic_and_ue', 'ip'],
  'a view of a sub-select of the table against the table': ['copy_a_wrapped', 'copy_a'],
  'a view of a WITH query of the table against the table': ['copy_a_cte', 'copy_a'],
  'a view of nested sub-selects renaming a column and back against the table': ['copy_a_deep', 'copy_a'],
};

/** Pairs that read no common rows: [old, new] and what the check finds. */
const APART: Record<string, [string, string, 'pass' | 'fail']> = {
  'two partitions of one parent': ['sib_a', 'sib_b', 'fail'],
  'two plain tables holding equal rows': ['copy_a', 'copy_b', 'pass'],
};
/** Apart, but a view (a chunked scan needs a table's primary key). */
const APART_VIEWS: Record<string, [string, string, 'pass' | 'fail']> = {
  'an ONLY view of a parent holding its own rows against its child': ['hp_alone', 'hc', 'fail'],
  'a view of a filtering sub-select against its table': ['copy_a_even', 'copy_a', 'fail'],
};

type Form = (old: string, neu: string) => string;
const FORMS: Record<string, Form> = {
  row_count: (old, neu) => `{ id: c, kind: row_count, old: { source: app, table: ${old} }, new: { source: app, table: ${neu} } }`,
  'row_count with a filter': (old, neu) => `{ id: c, kind: row_count, old: { source: app, table: ${old}, where: "id > 10" }, new: { source: app, table: ${neu}, where: "id > 10" } }`,
  'column_parity join': (old, neu) => `{ id: c, kind: column_parity, source: app, key: [id], old: { table: ${old}, expr: v }, new: { table: ${neu}, expr: v } }`,
  table_diff: (old, neu) => `{ id: c, kind: table_diff, key: [id], old: { source: app, table: ${old} }, new: { source: app, table: ${neu} } }`,
};
const SCANS: Record<string, string> = { 'one-statement scans': '', 'chunked scans': ', scan: { mode: chunked, chunk_rows: 100 }' };

describe.each(engines)('sides reading shared rows through inheritance or partitions, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(FIXTURE);
  });
  afterAll(() => db?.close());

  const run = (check: string, scan: string) => runCheckFile(db, `sources:\n  app: { url: "${db.url}"${scan} }\nchecks:\n  - ${check}\n`);

  for (const [scanName, scan] of Object.entries(SCANS)) {
    for (const [formName, form] of Object.entries(FORMS)) {
      for (const [name, [old, neu]] of Object.entries(SHARED)) {
        it(`is an error, never a pass: ${formName} of ${name}, ${scanName}`, async () => {
          const result = await run(form(old, neu), scan);
          expect([result.status, result.error?.code], result.summary).toEqual(['error', 'self_comparison']);
          expect(result.error?.message).toMatch(/share rows|same rows/);
        });
      }
      for (const [name, [old, neu, expected]] of Object.entries({ ...APART, ...(scan === '' ? APART_VIEWS : {}) })) {
        it(`still compares: ${formName} of ${name}, ${scanName}`, async () => {
          const result = await run(form(old, neu), scan);
          expect([result.status, result.error], result.summary).toEqual([expected, null]);
        });
      }
    }
  }

  it('is an error for a renaming view of the parent against the child, in each side\'s column names', async () => {
    const result = await run('{ id: c, kind: column_parity, source: app, key: [id], old: { table: ic, expr: v }, new: { table: ip_all_renamed, expr: w } }', '');
    expect([result.status, result.error?.code], result.summary).toEqual(['error', 'self_comparison']);
  });

  it('names the shared relation and what only one side reads', async () => {
    const result = await run(FORMS.row_count!('pt', 'pt_a'), '');
    expect(result.error?.message).toMatch(/share rows/);
    expect(result.error?.message).toMatch(/pt_a/);
    expect(result.error?.message).toMatch(/pt_b/);
  });
});
