import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describe.each(engines)('sql_assert on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users (id int primary key, email text);
      create table orders (id int primary key, user_id int);
      insert into users select g, 'u' || g || '@x.io' from generate_series(1, 50) g;
      insert into orders select g, g from generate_series(1, 50) g;
      insert into orders values (51, 77), (52, 78);
    `);
  });
  afterAll(() => db.close());

  const check = (query: string, expect = '') => `
checks:
  - id: assertion
    kind: sql_assert
    source: app
    query: ${JSON.stringify(query)}
${expect}`;

  const orphans = 'select o.id, o.user_id from orders o left join users u on u.id = o.user_id where u.id is null';

  it('fails when the query returns rows, counting them in the database and sampling them', async () => {
    const result = await runCheck(db, check(orphans));
    expect(result.status).toBe('fail');
    expect(result.observations.rows_returned).toBe(2);
    expect(result.samples.map((s) => s.detail)).toEqual(expect.arrayContaining([{ id: 51, user_id: 77 }, { id: 52, user_id: 78 }]));
    expect(result.statements[0]?.sql).toMatch(/^select count\(\*\) as rows from \(/);
  });

  it('supports max_rows / min_rows / exact rows', async () => {
    expect((await runCheck(db, check(orphans, '    expect: { max_rows: 2 }'))).status).toBe('pass');
    expect((await runCheck(db, check(orphans, '    expect: { min_rows: 3 }'))).status).toBe('fail');
    expect((await runCheck(db, check(orphans, '    expect: { rows: 2 }'))).status).toBe('pass');
  });

  it('compares a single value', async () => {
    expect((await runCheck(db, check('select count(*) from users', '    expect: { value: 50 }'))).status).toBe('pass');
    const wrong = await runCheck(db, check('select count(*) from users', '    expect: { value: 49 }'));
    expect(wrong.status).toBe('fail');
    expect(wrong.summary).toContain('"50"');
  });

  it('accepts a trailing semicolon', async () => {
    expect((await runCheck(db, check(`${orphans} and o.id < 0;`))).status).toBe('pass');
  });
});
