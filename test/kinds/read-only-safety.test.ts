import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** parity must leave production alone: whatever a check file says, nothing is ever written. */
describe.each(engines)('read-only execution on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table users (id int primary key, name text);
      insert into users select g, 'n' || g from generate_series(1, 20) g;
      create sequence s;
      create function wipe() returns int language sql as 'delete from users returning 1';
      create view wiping as select wipe() as n;
    `);
  });
  afterAll(() => db.close());

  async function rowsLeft(): Promise<number> {
    const [row] = await db.exec('select count(*)::int as n from users');
    return Number(row?.n);
  }

  it('refuses a call to a user-defined function when the check file loads', async () => {
    await expect(runCheck(db, `checks:\n  - id: sneaky\n    kind: sql_assert\n    source: app\n    query: "select wipe()"\n`)).rejects.toThrow(/calls wipe \(only PostgreSQL's own read-only functions/);
    expect(await rowsLeft()).toBe(20);
  });

  it.each([
    // Beyond the parser's reach: a view over a user-defined function. The READ ONLY transaction stops it.
    ['a view over a function that deletes', 'select n from wiping'],
  ])('reports %s as error and changes nothing', async (_, query) => {
    const result = await runCheck(db, `
checks:
  - id: sneaky
    kind: sql_assert
    source: app
    query: ${JSON.stringify(query)}
`);
    expect(result.status).toBe('error');
    expect(await rowsLeft()).toBe(20);
  });

  it('runs an expression that tries to write inside the READ ONLY transaction and fails', async () => {
    const result = await runCheck(db, `
checks:
  - id: sneaky-where
    kind: null_check
    source: app
    table: users
    columns: [name]
    where: "name is null or (select n from wiping) > 0"
`);
    expect(result.status).toBe('error');
    // The view's own code is refused before any statement reads it (implicit-code.ts); nothing ran either way.
    expect(result.error?.code).toBe('implicit_code');
    expect(await rowsLeft()).toBe(20);
  });

  it('quotes identifiers so a table named like an injection is just a missing table', async () => {
    const result = await runCheck(db, `
checks:
  - id: quoted
    kind: null_check
    source: app
    table: '"users; drop table users"'
    columns: [name]
`);
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('missing_relation');
    expect(await rowsLeft()).toBe(20);
  });
});
