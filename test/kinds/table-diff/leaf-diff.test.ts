/**
 * The compact leaf store diffs exactly like the arrays of row objects and Maps it replaced:
 * same missing keys, same changed rows and columns, same duplicate-key errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLeaves, DuplicateKeyError, LeafRows, type LeafDiff, type LeafRow } from '../../../src/kinds/table-diff/leaf-diff.js';

/** Fills one LeafRows store per side with the rows and diffs them (what table_diff does per chunk). */
function diffLeafRows(oldRows: readonly LeafRow[], newRows: readonly LeafRow[], valueColumns = oldRows[0]?.values.length ?? newRows[0]?.values.length ?? 0): LeafDiff {
  const fill = (rows: readonly LeafRow[]) => {
    const out = new LeafRows(rows[0]?.parts.length ?? 1, valueColumns);
    rows.forEach((row) => out.add(row));
    return out;
  };
  return diffLeaves(fill(oldRows), fill(newRows));
}

/** The former implementation, kept as the oracle. */
function referenceDiff(oldRows: readonly LeafRow[], newRows: readonly LeafRow[]): LeafDiff {
  const byKey = (rows: readonly LeafRow[], side: 'old' | 'new') => {
    const out = new Map<string, LeafRow>();
    for (const row of rows) {
      const id = JSON.stringify(row.parts);
      if (out.has(id)) throw new DuplicateKeyError(side, row.parts);
      out.set(id, row);
    }
    return out;
  };
  const oldByKey = byKey(oldRows, 'old');
  const newByKey = byKey(newRows, 'new');
  const diff: LeafDiff = { missingInNew: [], missingInOld: [], changed: [] };
  for (const [id, row] of oldByKey) {
    const other = newByKey.get(id);
    if (!other) { diff.missingInNew.push(row.parts); continue; }
    if (other.hash === row.hash) continue;
    diff.changed.push({ parts: row.parts, columns: row.values.flatMap((value, i) => (value === other.values[i] ? [] : [i])) });
  }
  for (const [id, row] of newByKey) if (!oldByKey.has(id)) diff.missingInOld.push(row.parts);
  return diff;
}

const outcome = (work: () => LeafDiff) => {
  try {
    return { diff: work() };
  } catch (error) {
    if (!(error instanceof DuplicateKeyError)) throw error;
    return { duplicate: { side: error.side, parts: error.parts } };
  }
};

const keyPart = fc.oneof(fc.integer({ min: -50, max: 50 }).map(String), fc.constantFrom('', ' ', 'a,b', '"q"', '(x)', 'back\\slash', '["x"]'));
const hash = fc.bigInt({ min: 0n, max: 2n ** 60n - 1n }).map(String);
const value = fc.option(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { nil: null });

const scenario = fc.record({ keyColumns: fc.integer({ min: 1, max: 3 }), valueColumns: fc.integer({ min: 0, max: 4 }) }).chain(({ keyColumns, valueColumns }) => {
  const row = fc.record({ parts: fc.array(keyPart, { minLength: keyColumns, maxLength: keyColumns }), hash, values: fc.array(value, { minLength: valueColumns, maxLength: valueColumns }) });
  return fc.array(row, { maxLength: 40 }).chain((old) => fc.record({
    keyColumns: fc.constant(keyColumns),
    valueColumns: fc.constant(valueColumns),
    old: fc.constant(old),
    // The new side: each old row kept, dropped, or changed (hash, and maybe some values), then shuffled, plus new rows.
    neu: fc.tuple(
      fc.tuple(...old.map((r) => fc.constantFrom('keep', 'keep', 'drop', 'change', 'change-hash-only').chain((what) => (
        what === 'keep' ? fc.constant(r) : what === 'drop' ? fc.constant(undefined)
          : fc.record({ hash, values: fc.array(value, { minLength: valueColumns, maxLength: valueColumns }) }).map((c) => ({ parts: r.parts, hash: c.hash, values: what === 'change' ? c.values : r.values }))
      )))),
      fc.array(row, { maxLength: 5 }),
    ).chain(([kept, extra]) => fc.shuffledSubarray([...kept.filter((r): r is LeafRow => r !== undefined), ...extra], { minLength: kept.filter((r) => r !== undefined).length + extra.length })),
  }));
});

describe('leaf diff', () => {
  it('agrees with the Map of row objects, duplicate keys included', () => {
    fc.assert(fc.property(scenario, ({ valueColumns, old, neu }) => {
      expect(outcome(() => diffLeafRows(old, neu, valueColumns))).toEqual(outcome(() => referenceDiff(old, neu)));
    }), { numRuns: 500 });
  });

  it('gives the same diff when a store is cleared and refilled for the next chunk', () => {
    fc.assert(fc.property(scenario, scenario, (first, second) => {
      const stores = { old: new LeafRows(first.keyColumns, first.valueColumns, 0), new: new LeafRows(first.keyColumns, first.valueColumns, 0) };
      first.old.forEach((r) => stores.old.add(r));
      first.neu.forEach((r) => stores.new.add(r));
      outcome(() => diffLeaves(stores.old, stores.new));
      if (second.keyColumns !== first.keyColumns || second.valueColumns !== first.valueColumns) return;
      stores.old.clear(second.old.length);
      stores.new.clear(3);
      second.old.forEach((r) => stores.old.add(r));
      second.neu.forEach((r) => stores.new.add(r));
      expect(outcome(() => diffLeaves(stores.old, stores.new))).toEqual(outcome(() => referenceDiff(second.old, second.neu)));
    }), { numRuns: 200 });
  });

  it('names the changed columns, NULL against 0 included, and a hash-only change as unattributed', () => {
    const diff = diffLeafRows(
      [{ parts: ['1'], hash: '10', values: [0, 5, null] }, { parts: ['2'], hash: '1152921504606846975', values: [1, 2, 3] }, { parts: ['3'], hash: '7', values: [1, 1, 1] }],
      [{ parts: ['2'], hash: '1152921504606846974', values: [1, 2, 3] }, { parts: ['1'], hash: '11', values: [null, 5, 0] }, { parts: ['4'], hash: '7', values: [1, 1, 1] }],
    );
    expect(diff).toEqual({ missingInNew: [['3']], missingInOld: [['4']], changed: [{ parts: ['1'], columns: [0, 2] }, { parts: ['2'], columns: [] }] });
  });

  it('grows past its initial capacity', () => {
    const rows = Array.from({ length: 1000 }, (_, i): LeafRow => ({ parts: [String(i), 'k'], hash: String(i * 7), values: [i % 3 === 0 ? null : i] }));
    const store = new LeafRows(2, 1, 1);
    rows.forEach((r) => store.add(r));
    expect(store.size).toBe(1000);
    expect(diffLeafRows(rows, rows.map((r, i) => (i === 999 ? { ...r, hash: '1', values: [-1] } : r)))).toEqual({ missingInNew: [], missingInOld: [], changed: [{ parts: ['999', 'k'], columns: [0] }] });
  });
});
