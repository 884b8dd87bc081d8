/**
 * A routine body may spell the listed table as a Unicode-escaped identifier (`U&"\0075sers"`),
 * which Postgres reads as `users`. Bodies are fetched for parsing only when their text contains the
 * table's name, so a PL/pgSQL (or SQL) routine spelling it escaped was never looked at and
 * `unused` passed (both engines, `evidence: catalog`; fails on the old code).
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { runUnused, withDatabaseAndStore } from '../kinds/unused/support.js';

const catalogOnly = (column: string) => `checks:\n  - id: escaped\n    kind: unused\n    source: app\n    evidence: catalog\n    columns: [${column}]\n    ignore: { roles: [postgres] }\n`;

describe.each(engines)('unused: escaped identifiers in routine bodies on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore(engine, 'create table users (id int primary key, full_name text); create table orders (id int)', (opened) => ({ db, store } = opened));

  it.each([
    ['PL/pgSQL, table escaped', String.raw`create function reads_it() returns text language plpgsql as $$ begin return (select full_name from U&"\0075sers" limit 1); end $$`],
    ['PL/pgSQL, both escaped, lower-case u&', String.raw`create function reads_it() returns text language plpgsql as $$ begin return (select u&"\0066ull_name" from u&"\0075sers" limit 1); end $$`],
    ['PL/pgSQL, escaped with UESCAPE', String.raw`create function reads_it() returns text language plpgsql as $$ begin return (select full_name from U&"!0075sers" UESCAPE '!' limit 1); end $$`],
    ['SQL, table escaped', String.raw`create function reads_it() returns setof text language sql as $$ select full_name from U&"\0075sers" $$`],
  ])('fails on a %s routine', async (_name, create) => {
    await db.exec(create);
    try {
      const result = await runUnused(db, catalogOnly('public.users.full_name'), store);
      expect(result.status, result.summary).toBe('fail');
      expect(result.summary).toMatch(/function reads_it\(\)/);
    } finally {
      await db.exec('drop function reads_it');
    }
  });

  it('passes a routine with an escaped name of another table (control)', async () => {
    await db.exec(String.raw`create function reads_other() returns setof int language sql as $$ select id from U&"\006Frders" $$`);
    try {
      const result = await runUnused(db, catalogOnly('public.users.full_name'), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await db.exec('drop function reads_other');
    }
  });
});
