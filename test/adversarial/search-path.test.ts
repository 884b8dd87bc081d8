/**
 * A role whose search_path names a schema before pg_catalog: look-alike operators there must not
 * answer for the built-ins inside parity's comparisons. `is distinct from` and `=` are looked up by
 * name through the search_path, so an `=` that is always true made column_parity pass over
 * differing data. Reads now put pg_catalog first, keeping the rest of the role's path, so a check
 * file's unqualified tables still resolve as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

describe.each(engines)('a hostile search_path on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create schema evil;
      create function evil.always(text, text) returns boolean language sql immutable as 'select true';
      create operator evil.= (leftarg = text, rightarg = text, function = evil.always);
      create function evil.always_int(bigint, bigint) returns boolean language sql immutable as 'select true';
      create operator evil.= (leftarg = bigint, rightarg = bigint, function = evil.always_int);
      create schema app;
      create table app.t (id int primary key, a text, b text);
      insert into app.t values (1, 'same', 'same'), (2, 'old', 'new'), (3, 'x', null);
      create table app.n (id int primary key, a bigint, b bigint);
      insert into app.n values (1, 1, 1), (2, 1, 2);
      create table app.one (id int primary key);
      create table app.two (id int primary key);
      insert into app.one values (1), (2);
      insert into app.two values (1);
    `);
    // The tables are found through the role's path (app), the look-alikes through it too (evil).
    if (engine === 'postgres') await db.exec(`alter database ${new URL(db.url).pathname.slice(1)} set search_path = evil, pg_catalog, app, public`);
    else await db.exec('set search_path = evil, pg_catalog, app, public');
  });
  afterAll(() => db.close());

  it('the look-alike is always true (the trap is armed)', async () => {
    expect(await db.exec('select count(*)::int as n from app.t where a operator(evil.=) b')).toEqual([{ n: 3 }]);
  });

  // Since the stand-in guard (stand-in-code.test.ts), a database whose role searches a look-alike
  // is refused before any read; the catalog-first path stays as the layer beneath it.
  it('column_parity over differing rows never passes: the database is refused', async () => {
    const result = await runCheck(db, `checks:
  - { id: hijacked, kind: column_parity, source: app, table: t, key: [id], old: a, new: b }
`);
    expect([result.status, result.error?.code]).toEqual(['error', 'stand_in_code']);
  });

  it('column_parity over differing bigint columns never passes (a look-alike for another type than text)', async () => {
    const result = await runCheck(db, `checks:
  - { id: hijacked-numbers, kind: column_parity, source: app, table: n, key: [id], old: a, new: b }
`);
    expect([result.status, result.error?.code]).toEqual(['error', 'stand_in_code']);
  });

  it('row_count with different counts never passes', async () => {
    const result = await runCheck(db, `checks:
  - { id: counts, kind: row_count, old: { source: app, table: one }, new: { source: app, table: two } }
`);
    expect([result.status, result.error?.code]).toEqual(['error', 'stand_in_code']);
  });
});
