/**
 * A check whose verdict combines a scope's count (min_rows) with another statement's answer must
 * read both in one snapshot: counted apart, a write committed between them leaves the answer
 * judged over a population the count never saw — an emptied table passing `rows: 0` while the
 * scope reported it full, the very vacuous pass min_rows is there to refuse.
 *
 * Each writer here holds a lock on a table only the judged statement reads (so the scope's count
 * has finished before it waits), changes the scope's table, and commits once parity's read waits
 * on that lock (test/support/lock-waits.ts). Sound outcome: not a pass.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import postgres from 'postgres';
import { createTestDatabase, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { runCheckFile } from '../support/run-check.js';
import { untilAReadWaitsOnALock } from '../support/lock-waits.js';

/** Runs `check` while a writer holding `locked` runs `write`, committing once parity's read waits on the lock. */
async function underAWrite(db: TestDatabase, locked: string, write: string, check: () => Promise<{ status: string; summary: string; observations: unknown }>) {
  const writer = postgres(db.url, { max: 2, onnotice: () => {} });
  const session = await writer.reserve();
  try {
    await session.unsafe('begin');
    await session.unsafe(`lock table ${locked} in access exclusive mode`);
    await session.unsafe(write);
    const result = check();
    await untilAReadWaitsOnALock(writer, `the judged read waiting on ${locked}`);
    await session.unsafe('commit');
    return await result;
  } finally {
    session.release();
    await writer.end();
  }
}

describeOnPostgres('sql_assert: its scope and its query in one snapshot', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });
  afterAll(() => db.close());

  const seed = () => db.exec(`drop table if exists orders_old, orders_new cascade;
    create table orders_old (id int primary key, total int);
    create table orders_new (id int primary key, total int);
    insert into orders_old select g, g from generate_series(1, 100) g;
    -- the backfill missed row 100
    insert into orders_new select g, g from generate_series(1, 99) g;
    create view orders_old_shown as select * from orders_old where total > 0;`);

  const MISSING = 'select o.id from orders_old o where o.total > 0 and not exists (select 1 from orders_new n where n.id = o.id)';
  const file = (expect: string, scope: string, query = MISSING) => `sources:
  app: { url: "${db.url}" }
checks:
  - id: none-missing
    kind: sql_assert
    source: app
    query: "${query}"
    expect: ${expect}
    scope: ${scope}
`;

  const cases: [string, string, string, string][] = [
    ['max_rows: 0, the table emptied by DELETE', '{ max_rows: 0 }', '{ table: orders_old, min_rows: 100 }', 'delete from orders_old'],
    ['rows: 0, a filtered scope, every row moved out of it by UPDATE', '{ rows: 0 }', '{ table: orders_old, where: "total > 0", min_rows: 100 }', 'update orders_old set total = -total'],
    ['rows: 0, the scope a view of the table', '{ rows: 0 }', '{ table: orders_old_shown, min_rows: 100 }', 'delete from orders_old'],
    ['a value, a filtered scope', '{ value: 0 }', '{ table: orders_old, where: "total > 0", min_rows: 100 }', 'delete from orders_old'],
  ];
  for (const [name, expected, scope, write] of cases) {
    it(`does not pass when the query read what a write left after the scope was counted (${name})`, async () => {
      await seed();
      const query = expected.includes('value') ? `select count(*) from (${MISSING}) m` : MISSING;
      const { status, summary, observations } = await underAWrite(db, 'orders_new', write, () => runCheckFile(db, file(expected, scope, query)));
      expect(status, JSON.stringify({ summary, observations })).not.toBe('pass');
    });
  }

  it('still fails at rest, and reports the scope it counted', async () => {
    await seed();
    const result = await runCheckFile(db, file('{ rows: 0 }', '{ table: orders_old, min_rows: 100 }'));
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ rows_returned: 1, scope_rows: 100 });
  });

  it('still refuses a scope under min_rows at rest', async () => {
    await seed();
    const result = await runCheckFile(db, file('{ rows: 0 }', '{ table: orders_old, min_rows: 101 }'));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('scope_too_small');
    expect(result.observations).toMatchObject({ scope_rows: 100 });
  });

  it('counts the scope and runs the query in one statement', async () => {
    await seed();
    const result = await runCheckFile(db, file('{ rows: 0 }', '{ table: orders_old, min_rows: 100 }'));
    // The scope is counted by name, quoted ("orders_old"); the query spells it bare.
    const first = result.statements.find((s) => s.sql.includes('orders_new'));
    expect(first?.sql).toContain('"orders_old"');
    expect(result.statements.some((s) => s.fused_checks !== undefined)).toBe(false);
  });
});
