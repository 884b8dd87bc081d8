import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describe.each(engines)('null_check on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users (id bigint primary key, full_name text, first_name text, last_name text);
      insert into users select g, 'A B', 'A', 'B' from generate_series(1, 500) g;
      update users set last_name = null where id in (17, 230);
      update users set first_name = null where id = 230;
      insert into users values (501, null, null, null);
    `);
  });
  afterAll(() => db.close());

  const check = (extra = '') => `
checks:
  - id: names-backfilled
    kind: null_check
    source: app
    table: users
    columns: [first_name, last_name]
    where: "full_name is not null"
${extra}`;

  it('fails naming the rows with NULLs, per column and by primary key', async () => {
    const result = await runCheck(db, check());
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ rows: 500, rows_with_nulls: 2, nulls_by_column: { first_name: 1, last_name: 2 } });
    expect(result.samples.map((s) => s.key)).toEqual(expect.arrayContaining([{ id: '17' }, { id: '230' }]));
    expect(result.samples.find((s) => s.key.id === '230')?.detail).toEqual({ null_columns: ['first_name', 'last_name'] });
  });

  it('passes within max_nulls and max_null_ratio', async () => {
    expect((await runCheck(db, check('    max_nulls: 2'))).status).toBe('pass');
    expect((await runCheck(db, check('    max_null_ratio: 0.004'))).status).toBe('pass');
    expect((await runCheck(db, check('    max_null_ratio: 0.003'))).status).toBe('fail');
  });

  it('ignores rows outside the where scope', async () => {
    const result = await runCheck(db, check().replace('full_name is not null', 'id <> 17 and id <> 230 and full_name is not null'));
    expect(result.status).toBe('pass');
  });

  it('uses the declared key for samples when given', async () => {
    const result = await runCheck(db, check('    key: [first_name]\n    sample: 1'));
    expect(result.samples).toHaveLength(1);
    expect(Object.keys(result.samples[0]!.key)).toEqual(['first_name']);
  });

  it('reports a missing column as error', async () => {
    const result = await runCheck(db, check().replace('[first_name, last_name]', '[first_name, surname]'));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('missing_column');
  });
});
