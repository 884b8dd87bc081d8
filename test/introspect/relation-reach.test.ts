/** Pure parts of the reach: which reaches share rows, and which two relations can share none. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loneTablesApart, sharedRows, type Reach } from '../../src/introspect/relation-reach.js';

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
