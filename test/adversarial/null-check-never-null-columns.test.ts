/**
 * A null_check whose counted column cannot be NULL whatever the row holds. The column is read
 * through a view that fills it (`coalesce(name, '')`, `case when name is null then 'missing' else
 * name end`, `concat(name)`, `array[name]`), or is a stored generated column computed the same
 * way, or a view's constant: each is non-NULL on every row, so "all rows have name filled" passes over a table where half the
 * names the backfill was to write are NULL. column_parity refuses the same shape as `fixed_value`
 * ("a value telling only whether its inputs are NULL counts as one value"; a view or a stored
 * generated column computing such a value); a null_check over it can never fail for anything in
 * the data either. A NOT NULL constraint is another matter (the database refuses the NULL) and is
 * not what these are: every NULL here was written and is still there.
 * Sound outcome: not a pass (an error naming the column, or a load problem).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const CASES: [string, string, string][] = [
  ['a view column filled by coalesce', 'users_filled', 'name'],
  ['a view column filled by case … is null', 'users_marked', 'name'],
  ['a view column that is a constant', 'users_constant', 'name'],
  ['a view column through concat (NULL reads as empty text)', 'users_concat', 'name'],
  ['a view column wrapped in an array', 'users_array', 'name'],
  ['a stored generated column filled by coalesce', 'users_generated', 'name_filled'],
];

describe.each(engines)('a null_check over a column that cannot be NULL, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users (id int primary key, name text);
      insert into users select g, case when g % 2 = 0 then 'Ada' end from generate_series(1, 100) g;
      create view users_filled as select id, coalesce(name, '') as name from users;
      create view users_marked as select id, case when name is null then 'missing' else name end as name from users;
      create view users_constant as select id, 'Ada'::text as name, name as real_name from users;
      create view users_concat as select id, concat(name) as name from users;
      create view users_array as select id, array[name] as name from users;
      create table users_generated (id int primary key, name text, name_filled text generated always as (coalesce(name, '-')) stored);
      insert into users_generated (id, name) select id, name from users;
    `);
  });
  afterAll(() => db?.close());

  it.each(CASES)('does not pass over 50 NULL names: %s', async (_name, table, column) => {
    // The trap is armed: the names the column is read from are NULL in half the rows.
    const [{ nulls }] = (await db.exec('select count(*)::int as nulls from users where name is null')) as [{ nulls: number }];
    expect(nulls).toBe(50);
    let status: string;
    try {
      const result = await runCheck(db, `checks:\n  - { id: c, kind: null_check, source: app, table: ${table}, columns: [${column}] }\n`);
      status = result.status;
    } catch (e) {
      status = `refused at load: ${(e as Error).message}`;
    }
    expect(status).not.toBe('pass');
  });
});
