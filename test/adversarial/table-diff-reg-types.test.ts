/**
 * The object-identifier types (regclass, regproc, regprocedure, regtype, regconfig, …, and
 * arrays, composites and domains of them) print an object's name qualified only where the
 * session's search_path does not reach it. Their text is parity's row text, and the search_path
 * is the one setting a read keeps from its source (a database's or role's `SET search_path`, a
 * URL's `?search_path=`): two sources whose paths reach two different schemas print `sa.target`
 * and `sb.target` alike as `target`, so a table_diff whose rows reference different tables,
 * functions or types passed — across two databases, and within one database whose oids differ
 * outright.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, runFirstCheck } from '../support/run-check.js';

/** Objects of one name in two schemas; each side's rows reference the ones in its own schema. */
const objects = (schema: string) => `
  create schema ${schema};
  create table ${schema}.target (x int);
  create function ${schema}.f() returns int language sql as 'select 1';
  create type ${schema}.ty as (x int);
  create text search configuration ${schema}.cfg (copy = pg_catalog.simple);`;
/** Containers of an object identifier, declared alike on both sides. */
const CONTAINERS = `create type ref as (r regclass); create domain dref as regclass;`;
const tables = (schema: string, suffix = '') => `
  create table t${suffix} (id int primary key, r regclass, f regproc, fp regprocedure, ty regtype, tys regtype[], cfg regconfig, rc ref, rd dref);
  insert into t${suffix} select g, '${schema}.target', '${schema}.f', '${schema}.f()', '${schema}.ty', '{${schema}.ty}', '${schema}.cfg',
    row('${schema}.target')::ref, '${schema}.target' from generate_series(1, 40) g;
  create table k${suffix} (r regclass primary key, v int);
  insert into k${suffix} values ('${schema}.target', 1);`;

const diff = (column: string, table = 't', key = 'id') => `checks:
  - { id: d, kind: table_diff, key: [${key}], old: { source: a, table: ${table === 't' ? 't' : table} }, new: { source: b, table: ${table} }${column ? `, columns: { ${column}: ${column} }` : ''} }
`;
const COLUMNS = ['r', 'f', 'fp', 'ty', 'tys', 'cfg', 'rc', 'rd'];
/** The oid(s) a column holds, whatever its container. */
const oidOf = (column: string) => (column === 'tys' ? 'tys::oid[]' : column === 'rc' ? '(rc).r::oid' : `${column}::oid`);

describe.each(engines)('table_diff over object identifiers printed through another search_path, on %s', (engine) => {
  let old: TestDatabase;
  let neu: TestDatabase;
  beforeAll(async () => {
    const dataDir = `memory:${randomUUID()}`;
    [old, neu] = await Promise.all([createTestDatabase(engine, { name: 'old_side', dataDir }), createTestDatabase(engine, { name: 'new_side', dataDir })]);
    await old.exec(objects('sa') + CONTAINERS + tables('sa'));
    await neu.exec(objects('sb') + CONTAINERS + tables('sb'));
    // Each database's sessions search their own schema first (PGlite: the one session the source shares).
    for (const [db, schema] of [[old, 'sa'], [neu, 'sb']] as const) {
      if (engine === 'postgres') await db.exec(`alter database ${String((await db.exec('select current_database() as n'))[0]!.n)} set search_path = ${schema}, public`);
      else await db.exec(`set search_path = ${schema}, public`);
    }
  });
  afterAll(async () => Promise.all([old?.close(), neu?.close()]));

  const run = (yaml: string) => runFirstCheck(catalogFromYaml(yaml, { a: old, b: neu }), { a: old, b: neu });

  it.each(COLUMNS)('never passes rows whose %s references an object in another schema', async (column) => {
    const result = await run(diff(column));
    expect(result.status, result.summary).not.toBe('pass');
  });

  it('never passes a regclass key that names another table', async () => {
    const result = await run(diff('', 'k', 'r'));
    expect(result.status, result.summary).not.toBe('pass');
  });
});

describeOnPostgres('table_diff over object identifiers in one database read through two search_paths', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec(objects('sa') + objects('sb') + CONTAINERS + tables('sa', '_old') + tables('sb', '_new'));
  });
  afterAll(async () => db?.close());

  it.each(COLUMNS)('never passes when %s holds another object\'s oid', async (column) => {
    // One database, two sources: `?search_path=` is a startup parameter a read keeps.
    const sources = { a: { ...db, url: `${db.url}?search_path=sa,public` }, b: { ...db, url: `${db.url}?search_path=sb,public` } };
    const yaml = `checks:
  - { id: d, kind: table_diff, key: [id], old: { source: a, table: t_old }, new: { source: b, table: t_new }, columns: { ${column}: ${column} } }
`;
    const [oids] = await db.exec(`select (select ${column}::text from t_old limit 1) as o, (select ${column}::text from t_new limit 1) as n, (select ${oidOf(column)}::text from t_old limit 1) as oo, (select ${oidOf(column)}::text from t_new limit 1) as no`);
    expect(oids!.oo).not.toEqual(oids!.no);
    const result = await runFirstCheck(catalogFromYaml(yaml, sources), sources);
    expect(result.status, result.summary).not.toBe('pass');
  });
});
