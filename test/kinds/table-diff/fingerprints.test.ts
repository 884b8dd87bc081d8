/**
 * The compact fingerprint columns agree with the Map of { n, sum } they replaced: same prints,
 * same dirty buckets, same leaf chunks, for first passes and refinement passes alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dirtyBuckets, leafChunks, type DirtyBuckets } from '../../../src/kinds/table-diff/buckets.js';
import { Fingerprints, joinDecimal, splitDecimal, type BucketPrint, type BucketSpace } from '../../../src/kinds/table-diff/fingerprints.js';

type PrintMap = Map<number, BucketPrint>;

/** The former implementation, kept as the oracle. */
function referenceDirty(old: PrintMap, neu: PrintMap): DirtyBuckets {
  const out: DirtyBuckets = { twoSided: [], onlyOld: [], onlyNew: [], rowsOld: 0, rowsNew: 0, rowsOnlyOld: 0, rowsOnlyNew: 0 };
  const buckets = [...new Set([...old.keys(), ...neu.keys()])].sort((a, b) => a - b);
  for (const bucket of buckets) {
    const o = old.get(bucket);
    const n = neu.get(bucket);
    if (o && n && o.n === n.n && o.sum === n.sum) continue;
    if (!n || n.n === 0) { out.onlyOld.push(bucket); out.rowsOnlyOld += o!.n; continue; }
    if (!o || o.n === 0) { out.onlyNew.push(bucket); out.rowsOnlyNew += n.n; continue; }
    out.twoSided.push(bucket);
    out.rowsOld += o.n;
    out.rowsNew += n.n;
  }
  return out;
}

function referenceChunks(buckets: readonly number[], old: PrintMap, neu: PrintMap, maxRows: number): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let rows = 0;
  for (const bucket of buckets) {
    const size = (old.get(bucket)?.n ?? 0) + (neu.get(bucket)?.n ?? 0);
    if (current.length > 0 && rows + size > maxRows) { chunks.push(current); current = []; rows = 0; }
    current.push(bucket);
    rows += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Every bucket a space covers, ascending. */
function bucketsOf(space: BucketSpace): number[] {
  if (!space.within) return Array.from({ length: 2 ** space.bits }, (_, b) => b);
  const width = 2 ** (space.bits - space.within.bits);
  return space.within.buckets.flatMap((parent) => Array.from({ length: width }, (_, j) => parent * width + j));
}

const sumText = fc.bigInt({ min: 0n, max: 2n ** 80n }).map(String);

/** A bucket space and prints on both sides: the new side mostly copies the old, with drift. */
const scenario = fc.oneof(
  fc.integer({ min: 0, max: 10 }).map((bits): BucketSpace => ({ bits })),
  fc.record({ coarse: fc.integer({ min: 1, max: 12 }), extra: fc.integer({ min: 0, max: 5 }), seed: fc.uniqueArray(fc.nat(), { minLength: 0, maxLength: 40 }) })
    .map(({ coarse, extra, seed }): BucketSpace => ({
      bits: coarse + extra,
      within: { bits: coarse, buckets: [...new Set(seed.map((s) => s % 2 ** coarse))].sort((a, b) => a - b) },
    })),
).chain((space) => {
  const all = bucketsOf(space);
  const print = fc.record({ n: fc.integer({ min: 1, max: 1e9 }), sum: sumText });
  const oldSide = fc.subarray(all).chain((buckets) => fc.tuple(...buckets.map((b) => print.map((p): [number, BucketPrint] => [b, p]))));
  return oldSide.chain((old) => fc.record({
    space: fc.constant(space),
    old: fc.constant(old),
    // Per old bucket: kept as is, dropped, count changed, or sum changed; plus buckets only on the new side.
    neu: fc.tuple(
      fc.tuple(...old.map(([b, p]) => fc.constantFrom('keep', 'keep', 'drop', 'count', 'sum').map((what): [number, BucketPrint] | undefined => (
        what === 'keep' ? [b, p] : what === 'drop' ? undefined : what === 'count' ? [b, { n: p.n + 1, sum: p.sum }] : [b, { n: p.n, sum: (BigInt(p.sum) + 1n).toString() }]
      )))),
      fc.constant(all.filter((b) => !old.some(([o]) => o === b))).chain((rest) => fc.subarray(rest, { maxLength: Math.min(5, rest.length) })).chain((extra) => fc.tuple(...extra.map((b) => print.map((p): [number, BucketPrint] => [b, p])))),
    ).map(([kept, extra]) => [...kept.filter((e): e is [number, BucketPrint] => e !== undefined), ...extra]),
    maxRows: fc.integer({ min: 1, max: 3e9 }),
  }));
});

/** Fills prints in a random arrival order, as a hash aggregate returns them. */
function compact(space: BucketSpace, entries: readonly [number, BucketPrint][]): Fingerprints {
  const prints = new Fingerprints(space);
  for (const [b, p] of [...entries].reverse()) prints.addRow({ b: String(b), n: String(p.n), s: p.sum });
  return prints;
}

describe('compact fingerprints', () => {
  it('splits and rejoins bucket sums exactly, up to 2^92 (sums of 2^32 row hashes)', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 2n ** 92n }), (value) => {
      const [high, low] = splitDecimal(value.toString());
      expect(BigInt(high) * 10n ** 12n + BigInt(low)).toBe(value);
      expect(joinDecimal(high, low)).toBe(value.toString());
    }));
    expect(() => splitDecimal('-1')).toThrow(/non-negative integer/);
    expect(() => splitDecimal('1.5')).toThrow(/non-negative integer/);
    expect(() => splitDecimal((2n ** 100n).toString())).toThrow(/too large/);
    // Found by fast-check: the high part must stay below 2^53, so the limit is 2^53 × 10^12, not 2^93.
    expect(() => splitDecimal('9007199254740992000000000000')).toThrow(/too large/);
    expect(splitDecimal('9007199254740991999999999999')).toEqual([Number.MAX_SAFE_INTEGER, 999_999_999_999]);
  });

  it('agrees with the Map of prints on every bucket, the dirty buckets and the leaf chunks', () => {
    fc.assert(fc.property(scenario, ({ space, old, neu, maxRows }) => {
      const [oldMap, newMap] = [new Map(old), new Map(neu)];
      const [oldPrints, newPrints] = [compact(space, old), compact(space, neu)];
      for (const bucket of bucketsOf(space)) {
        expect(oldPrints.get(bucket)).toEqual(oldMap.get(bucket));
        expect(newPrints.count(bucket)).toBe(newMap.get(bucket)?.n ?? 0);
      }
      expect([...oldPrints.entries()]).toEqual([...oldMap].sort(([a], [b]) => a - b));
      expect(oldPrints.totalRows()).toBe(old.reduce((n, [, p]) => n + p.n, 0));
      const dirty = dirtyBuckets(oldPrints, newPrints);
      expect(dirty).toEqual(referenceDirty(oldMap, newMap));
      expect(leafChunks(dirty.twoSided, oldPrints, newPrints, maxRows)).toEqual(referenceChunks(dirty.twoSided, oldMap, newMap, maxRows));
    }), { numRuns: 300 });
  });

  it('maps buckets to slots and back, in ascending order, and refuses buckets outside the pass', () => {
    const space: BucketSpace = { bits: 9, within: { bits: 6, buckets: [3, 17, 40, 63] } };
    const prints = new Fingerprints(space);
    expect(prints.slots).toBe(4 * 8);
    const buckets = bucketsOf(space);
    expect(buckets.map((b) => prints.slotOf(b))).toEqual(buckets.map((_, i) => i));
    expect(buckets.map((_, i) => prints.bucketAt(i))).toEqual(buckets);
    for (const outside of [0, 23, 41 * 8, 2 ** 9, -1, 1.5]) expect(prints.slotOf(outside)).toBe(-1);
    expect(() => prints.addRow({ b: '0', n: '1', s: '5' })).toThrow(/outside the buckets/);
    expect(() => new Fingerprints({ bits: 4, within: { bits: 6, buckets: [1] } })).toThrow(/cannot nest/);
    expect(() => new Fingerprints({ bits: 8, within: { bits: 4, buckets: [2, 1] } })).toThrow(/sorted/);
  });

  it('holds a first pass of 2^18 buckets in 6 MB of columns', () => {
    const prints = new Fingerprints({ bits: 18 });
    expect(prints.counts.byteLength + prints.sumHigh.byteLength + prints.sumLow.byteLength).toBe(6 * 2 ** 20);
  });
});
