/**
 * A column alias list on a relation (`from users u(a, b)`) renames its first columns by position,
 * so a statement reads `full_name` as `b` without ever spelling it. Statement resolution looked for
 * the column's name, `*`, whole-row references and NATURAL joins only, so a SQL function body (and
 * a pg_stat_statements text) reading the column this way was no use: `unused` passed on the old
 * code (both engines, `evidence: catalog`; the statement form through the same resolver below).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase } from '../support/databases.js';
import { runUnused, withDatabaseAndStore } from '../kinds/unused/support.js';
import { loadSqlParser } from '../../src/sql/parser.js';
import { resolveStatement } from '../../src/kinds/unused/resolve-statement.js';

const catalogOnly = (column: string) => `checks:\n  - id: alias-lists\n    kind: unused\n    source: app\n    evidence: catalog\n    columns: [${column}]\n    ignore: { roles: [postgres] }\n`;

const READS = [
  ['an alias list', 'select b from users u(a, b)'],
  ['AS and a qualified table', 'select n.b from public.users as n(a, b)'],
  ['a join beside another table', 'select x.b from users x(a, b) join orders o on o.id = x.a'],
  ['a subquery', 'select (select b from users u(a, b) where a = 1)'],
  ['a CTE', 'with t as (select b as name from users u(a, b)) select name from t'],
  ['a partition of the listed table', 'select y from people_2026 p(x, y)'],
] as const;

describe.each(engines)('unused: column alias lists on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  withDatabaseAndStore(engine, `
      create table users (id int primary key, full_name text, email text);
      create table orders (id int);
      create table people (id int, full_name text) partition by list (id);
      create table people_2026 partition of people for values in (1);`, (opened) => ({ db, store } = opened));

  it.each(READS)('fails on a SQL function reading the column through %s', async (_name, query) => {
    const target = query.includes('people') ? 'public.people.full_name' : 'public.users.full_name';
    await db.exec(`create function reads_it() returns setof text language sql as $$ ${query} $$`);
    try {
      const result = await runUnused(db, catalogOnly(target), store);
      expect(result.status, result.summary).toBe('fail');
      expect(result.summary).toMatch(/function reads_it\(\)/);
    } finally {
      await db.exec('drop function reads_it');
    }
  });

  it('passes a SQL function that reads other tables only (control)', async () => {
    await db.exec('create function reads_other() returns setof int language sql as $$ select a from orders o(a) $$');
    try {
      const result = await runUnused(db, catalogOnly('public.users.full_name'), store);
      expect(result.status, result.summary).toBe('pass');
    } finally {
      await db.exec('drop function reads_other');
    }
  });
});

describe('statement texts with column alias lists', () => {
  beforeAll(loadSqlParser);
  const users = { label: 'public.users.full_name', column: 'full_name', relations: [{ schema: 'public', name: 'users' }] };
  it.each(READS.filter(([, q]) => !q.includes('people')))('counts %s as a read', (_name, query) => {
    expect(resolveStatement(query, [users])).toEqual({ kind: 'resolved', uses: [{ target: 'public.users.full_name', mode: 'read' }] });
  });
  it('does not count an alias list on another table (control)', () => {
    expect(resolveStatement('select a from orders o(a) join users u on u.id = o.a', [users])).toEqual({ kind: 'resolved', uses: [] });
  });
});
