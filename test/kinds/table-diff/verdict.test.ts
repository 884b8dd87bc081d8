/**
 * The table_diff verdict from a tally, without a database: max_differences, per-column counts,
 * and samples drawn round-robin from the three categories with both rows side by side.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateTableDiff, sampleKeysOf, type DiffTally } from '../../../src/kinds/table-diff/verdict.js';

function tallyOf(overrides: Partial<DiffTally> = {}): DiffTally {
  return {
    oldRows: 100, newRows: 100, missingInNew: 0, missingInOld: 0, changed: 0,
    changedByColumn: [0, 0], changedUnattributed: 0,
    keys: { missingInNew: [], missingInOld: [], changed: [] },
    rows: { old: new Map(), new: new Map() },
    rowsTransferred: 0, passes: 1, bucketBits: 4,
    ...overrides,
  };
}

const spec = { key: ['id'], max_differences: 0, sample: 20 };
const COLUMNS = ['email', 'name'];
const keys = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => [`${prefix}${i}`]);

describe('evaluateTableDiff', () => {
  it('passes exactly when missing plus changed rows are within max_differences', () => {
    fc.assert(fc.property(fc.nat(50), fc.nat(50), fc.nat(50), fc.nat(150), (missingInNew, missingInOld, changed, max) => {
      const outcome = evaluateTableDiff({ ...spec, max_differences: max }, COLUMNS, tallyOf({ missingInNew, missingInOld, changed }), 'users');
      const differences = missingInNew + missingInOld + changed;
      // At or above the larger side's rows (100) every row could be wrong and pass: could not verify.
      expect(outcome.status).toBe(max >= 100 ? 'error' : differences <= max ? 'pass' : 'fail');
      expect(outcome.observations.mismatches).toBe(differences);
    }));
    expect(evaluateTableDiff(spec, COLUMNS, tallyOf({ missingInOld: 1 }), 'users').status).toBe('fail');
    expect(evaluateTableDiff({ ...spec, max_differences: 1 }, COLUMNS, tallyOf({ missingInOld: 1 }), 'users').status).toBe('pass');
  });

  it('measures the ratio against the larger side, and reports every count', () => {
    const outcome = evaluateTableDiff(spec, COLUMNS, tallyOf({
      oldRows: 1000, newRows: 998, missingInNew: 3, missingInOld: 1, changed: 4, changedByColumn: [3, 0], changedUnattributed: 1,
      rowsTransferred: 17, passes: 3, bucketBits: 10,
    }), 'public.users_legacy → public.users');
    expect(outcome.observations).toEqual({
      old_rows: 1000, new_rows: 998, rows_scanned: 1998, mismatches: 8, mismatch_ratio: 0.008,
      missing_in_new: 3, missing_in_old: 1, changed: 4,
      // Columns with no change are left out; a change no single column explains is shown apart.
      changed_by_column: { email: 3, '(unattributed)': 1 },
      rows_transferred: 17, passes: 3, bucket_bits: 10, row_hash_salted: true,
    });
    expect(outcome.summary).toBe('public.users_legacy → public.users: 8 differing rows (3 missing in new, 1 missing in old, 4 changed: email 3, (unattributed) 1) of 1000 old / 998 new rows; allowed 0');
    expect(evaluateTableDiff(spec, COLUMNS, tallyOf({ oldRows: 0, newRows: 0 }), 't').observations.mismatch_ratio).toBe(0);
  });

  it('builds samples with the key by column name, both full rows, and the changed columns', () => {
    const tally = tallyOf({
      changed: 1, missingInNew: 1, missingInOld: 1, changedByColumn: [1, 0],
      keys: { changed: [{ parts: ['7'], columns: [0, 5] }], missingInNew: [['8']], missingInOld: [['9']] },
      rows: {
        old: new Map([['7', { email: 'a@x', name: 'A' }], ['8', { email: 'b@x', name: null }]]),
        new: new Map([['7', { email: 'A@x', name: 'A' }], ['9', { email: 'c@x', name: 'C' }]]),
      },
    });
    expect(evaluateTableDiff(spec, COLUMNS, tally, 'users').samples).toEqual([
      { category: 'mismatch', key: { id: '7' }, old: { email: 'a@x', name: 'A' }, new: { email: 'A@x', name: 'A' }, detail: { columns: ['email', '#5'] } },
      { category: 'missing_in_new', key: { id: '8' }, old: { email: 'b@x', name: null }, new: null },
      { category: 'missing_in_old', key: { id: '9' }, old: null, new: { email: 'c@x', name: 'C' } },
    ]);
  });

  it('maps composite keys part by part, looking rows up by the composite key id', () => {
    const tally = tallyOf({
      missingInNew: 1,
      keys: { changed: [], missingInNew: [['3', 'a,b']], missingInOld: [] },
      rows: { old: new Map([[JSON.stringify(['3', 'a,b']), { v: '1' }]]), new: new Map() },
    });
    const [sample] = evaluateTableDiff({ ...spec, key: ['region', 'handle'] }, ['v'], tally, 't').samples;
    expect(sample).toEqual({ category: 'missing_in_new', key: { region: '3', handle: 'a,b' }, old: { v: '1' }, new: null });
  });
});

describe('sampleKeysOf', () => {
  it('takes keys round-robin so every category with keys is represented, up to the limit', () => {
    fc.assert(fc.property(fc.nat(10), fc.nat(10), fc.nat(10), fc.nat(40), (changed, missingInNew, missingInOld, limit) => {
      const tally = tallyOf({
        keys: { changed: keys('c', changed).map((parts) => ({ parts, columns: [0] })), missingInNew: keys('n', missingInNew), missingInOld: keys('o', missingInOld) },
      });
      const picked = sampleKeysOf(tally, limit);
      expect(picked).toHaveLength(Math.min(limit, changed + missingInNew + missingInOld));
      const of = (category: string) => picked.filter((p) => p.category === category).length;
      // Round-robin: no category is more than one key ahead of another that still had keys.
      const counts = [[of('mismatch'), changed], [of('missing_in_new'), missingInNew], [of('missing_in_old'), missingInOld]] as const;
      for (const [taken, available] of counts) {
        for (const [otherTaken, otherAvailable] of counts) {
          if (taken < available && otherTaken > 0) expect(otherTaken - taken).toBeLessThanOrEqual(1);
          expect(otherTaken).toBeLessThanOrEqual(otherAvailable);
        }
      }
      expect(new Set(picked.map((p) => p.parts[0])).size).toBe(picked.length);
    }));
  });

  it('orders one round as mismatch, missing in new, missing in old', () => {
    const tally = tallyOf({ keys: { changed: [{ parts: ['c0'], columns: [1] }, { parts: ['c1'], columns: [0] }], missingInNew: [['n0']], missingInOld: [['o0'], ['o1']] } });
    expect(sampleKeysOf(tally, 4).map((p) => p.parts[0])).toEqual(['c0', 'n0', 'o0', 'c1']);
    expect(sampleKeysOf(tally, 0)).toEqual([]);
  });
});
