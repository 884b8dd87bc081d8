/** Pure parts of the reach: which reaches share rows, and which two relations can share none. */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { columnAliasesOf, loneTablesApart, sharedRows, type Reach } from '../../src/introspect/relation-reach.js';
import { loadSqlParser } from '../../src/sql/parser.js';

const rows = (oids: string[]): Reach => ({ rows: [...oids].sort(), names: [...oids].sort().map((oid) => `t${oid}`) });

describe('sharedRows', () => {
  it('is found for any overlap, not only equal reaches', () => {
    expect(sharedRows(rows(['1', '2']), rows(['2']))).toEqual({ shared: ['t2'], onlyA: ['t1'], onlyB: [] });
    expect(sharedRows(rows(['1']), rows(['2']))).toBeUndefined();
  });

  it('takes two reaches of no rows-holding relation as the same (no) rows, and a name reaching nothing as nothing', () => {
    expect(sharedRows(rows([]), rows([]))).toEqual({ shared: [], onlyA: [], onlyB: [] });
    expect(sharedRows(rows([]), rows(['1']))).toBeUndefined();
    expect(sharedRows(null, rows(['1']))).toBeUndefined();
  });

  it('is symmetric, and finds exactly the common relations', () => {
    const oids = fc.uniqueArray(fc.integer({ min: 1, max: 12 }).map(String), { maxLength: 6 });
    fc.assert(fc.property(oids, oids, (a, b) => {
      const ab = sharedRows(rows(a), rows(b));
      const ba = sharedRows(rows(b), rows(a));
      expect(ab?.shared.length).toBe(ba?.shared.length);
      const common = a.filter((oid) => b.includes(oid));
      if (common.length > 0) expect(ab?.shared).toEqual(common.sort().map((oid) => `t${oid}`));
      else if (a.length + b.length > 0) expect(ab).toBeUndefined();
    }));
  });
});

describe('loneTablesApart', () => {
  it('takes two ordinary tables apart only while neither has inheriting tables', () => {
    expect(loneTablesApart({ oid: '1', kind: 'r', children: false }, { oid: '2', kind: 'r', children: false })).toBe(true);
    expect(loneTablesApart({ oid: '1', kind: 'r', children: true }, { oid: '2', kind: 'r', children: false })).toBe(false);
    expect(loneTablesApart({ oid: '1', kind: 'r', children: false }, { oid: '1', kind: 'r', children: false })).toBe(false);
    expect(loneTablesApart({ oid: '1', kind: 'p', children: false }, { oid: '2', kind: 'r', children: false })).toBe(false);
    // A flag the answer left out is no proof.
    expect(loneTablesApart({ oid: '1', kind: 'r' }, { oid: '2', kind: 'r', children: false })).toBe(false);
  });
});

describe('columnAliasesOf', () => {
  const row = (definitions: string[]) => ({
    named: '1',
    relations: JSON.stringify([
      ...definitions.map((definition, i) => ({ oid: String(i + 1), name: `v${i}`, kind: 'v', definition, columns: [], reads: [], leaves: null })),
      { oid: '100', name: 'public.users', kind: 'r', definition: null, columns: ['id', 'name', 'email'], reads: [], leaves: [] },
    ]),
  });
  beforeAll(() => loadSqlParser());

  it('maps a column list to the relation\'s columns in order, keeping the rest under their own names', () => {
    expect(columnAliasesOf(row(['SELECT u.id, u.full_name FROM users u(id, full_name)']))).toEqual(new Map([['users', new Map([['id', 'id'], ['full_name', 'name'], ['email', 'email']])]]));
  });

  it('leaves out a relation read without a list, and cannot tell a relation read under two lists or under a list and without one', () => {
    expect(columnAliasesOf(row(['SELECT * FROM users u']))).toEqual(new Map());
    expect(columnAliasesOf(row(['SELECT * FROM users u(a, b)', 'SELECT * FROM users w(c)'])).get('users')).toBeNull();
    expect(columnAliasesOf(row(['SELECT * FROM users u(a, b) UNION ALL SELECT * FROM users'])).get('users')).toBeNull();
    expect(columnAliasesOf(row(['SELECT * FROM users u(name, id, email, extra)'])).get('users')).toBeNull();
  });
});
