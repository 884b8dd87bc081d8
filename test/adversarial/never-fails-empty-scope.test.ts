/**
 * A scope filter no row can meet, beside `min_rows: 0`: row_count, null_check, column_parity and
 * table_diff then count nothing and pass on any data. The load-time judgement folds the filters the parse tree
 * shows false (`where false and x`); those only the server can see through — functions of constants,
 * `not (x is null or x is not null)` on a scalar column, a contradiction inside a view the scope
 * reads — loaded and passed. A pass over an empty scope now asks the server's plan of the scope,
 * and is `error: never_fails` when the plan shows no row can ever be in it. A scope that is empty
 * only on today's data still passes, as `min_rows: 0` allows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';

/**
 * Filters no row can meet that name a column (a filter naming none is refused at load), only the
 * server can tell: the parse tree holds no contradiction it folds.
 */
const NEVER: Record<string, string> = {
  'a negated tautology on a scalar column': 'not (v is null or v is not null)',
  'two negated tests on a scalar column': 'not (v is null) and not (v is not null)',
  'a cast of the column against itself': 'id::numeric < id',
  'a column beside a text function of constants': "v is null and lower('A') = 'B'",
  'a column beside a false function of constants': "id > 0 and length('') > 0",
};

/** Filters that hold no row today but could: the data decides. */
const TODAY: Record<string, string> = {
  'a range above every row': 'id > 1000',
  'a value no row has': "v = 'zzz'",
};

const checks = (kind: 'row_count' | 'null_check' | 'column_parity' | 'table_diff', where: string) => {
  const w = JSON.stringify(where);
  if (kind === 'table_diff') return `{ id: c, kind: table_diff, min_rows: 0, key: [id], columns: { v: v }, old: { source: app, table: t, where: ${w} }, new: { source: app, table: u, where: ${w} } }`;
  if (kind === 'row_count') return `{ id: c, kind: row_count, min_rows: 0, old: { source: app, table: t, where: ${w} }, new: { source: app, table: u, where: ${w} } }`;
  if (kind === 'null_check') return `{ id: c, kind: null_check, min_rows: 0, source: app, table: t, columns: [w], where: ${w} }`;
  // Compares columns the filters do not read: a same-table scope may not read a compared column.
  return `{ id: c, kind: column_parity, min_rows: 0, source: app, table: t, key: [id], old: w, new: x, where: ${w} }`;
};

describe.each(engines)('a scope no row can be in, beside min_rows: 0, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table t (id int primary key, v text, w text, x text);
      insert into t select g, null, case when g > 45 then null else 'x' end, case when g > 45 then null else 'x' end from generate_series(1, 50) g;
      create table u (id int primary key, v text);
      insert into u select g, 'a' from generate_series(1, 40) g;
    `);
  });
  afterAll(() => db?.close());

  const run = (kind: Parameters<typeof checks>[0], where: string) => runCheckFile(db, `sources:\n  app: { url: "${db.url}" }\nchecks:\n  - ${checks(kind, where)}\n`);

  for (const kind of ['row_count', 'null_check', 'column_parity', 'table_diff'] as const) {
    for (const [name, where] of Object.entries(NEVER)) {
      it(`${kind}: is an error, never a pass: ${name}`, async () => {
        const result = await run(kind, where);
        expect([result.status, result.error?.code], result.summary).toEqual(['error', 'never_fails']);
      });
    }
    for (const [name, where] of Object.entries(TODAY)) {
      it(`${kind}: still passes a scope empty only today: ${name}`, async () => {
        const result = await run(kind, where);
        expect([result.status, result.error], result.summary).toEqual(['pass', null]);
      });
    }
  }

  it('still passes a row_count whose other side could hold rows (it can fail once that side does)', async () => {
    const result = await runCheckFile(db, `sources:\n  app: { url: "${db.url}" }\nchecks:\n  - { id: c, kind: row_count, min_rows: 0, old: { source: app, table: t, where: "not (v is null or v is not null)" }, new: { source: app, table: u, where: "id > 1000" } }\n`);
    expect([result.status, result.error], result.summary).toEqual(['pass', null]);
  });

  it('leaves a sql_assert to its own plan: its scope only gates a query that runs whatever it holds', async () => {
    const result = await runCheckFile(db, `sources:\n  app: { url: "${db.url}" }\nchecks:\n  - { id: c, kind: sql_assert, source: app, query: "select id from t where w = 'nope'", expect: { rows: 0 }, scope: { table: t, where: "not (v is null or v is not null)", min_rows: 0 } }\n`);
    expect([result.status, result.error], result.summary).toEqual(['pass', null]);
  });

  it('still fails what the data decides: the same null_check over a scope that holds rows', async () => {
    const result = await run('null_check', 'id > 10');
    expect(result.status).toBe('fail');
  });
});
