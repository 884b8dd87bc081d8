/**
 * The pure half of table_diff: comparing per-bucket fingerprints (count, sum of row hashes) and
 * deciding whether to drill into finer buckets or fetch keys. Leaf rows: leaf-diff.ts.
 */
import { Fingerprints } from './fingerprints.js';
import { HASH_BITS } from './row-hash.js';

export interface DirtyBuckets {
  /** Buckets with rows on both sides whose prints differ: need a closer look. */
  twoSided: number[];
  /** Buckets empty on one side: every row there is missing on the other, no look needed. */
  onlyOld: number[];
  onlyNew: number[];
  /** Rows in two-sided dirty buckets, per side. */
  rowsOld: number;
  rowsNew: number;
  /** Rows in one-sided buckets (these are the missing counts). */
  rowsOnlyOld: number;
  rowsOnlyNew: number;
}

/** Buckets whose count or hash sum differ, sorted. Both sides must cover the same bucket space. */
export function dirtyBuckets(old: Fingerprints, neu: Fingerprints): DirtyBuckets {
  if (old.slots !== neu.slots) throw new Error('fingerprints of the two sides cover different buckets');
  const out: DirtyBuckets = { twoSided: [], onlyOld: [], onlyNew: [], rowsOld: 0, rowsNew: 0, rowsOnlyOld: 0, rowsOnlyNew: 0 };
  for (let slot = 0; slot < old.slots; slot++) {
    const o = old.counts[slot]!;
    const n = neu.counts[slot]!;
    // Empty on both sides: counts and sums are all zero, so the slot is skipped here too.
    if (o === n && old.sumHigh[slot] === neu.sumHigh[slot] && old.sumLow[slot] === neu.sumLow[slot]) continue;
    const bucket = old.bucketAt(slot);
    if (n === 0) { out.onlyOld.push(bucket); out.rowsOnlyOld += o; continue; }
    if (o === 0) { out.onlyNew.push(bucket); out.rowsOnlyNew += n; continue; }
    out.twoSided.push(bucket);
    out.rowsOld += o;
    out.rowsNew += n;
  }
  return out;
}

export const MAX_BUCKET_BITS = HASH_BITS - 1;
export const MAX_REFINEMENTS = 4;
/** Drill into keys once dirty buckets hold this few rows per side on average. */
export const LEAF_ROWS_PER_BUCKET = 16;
/** Aim for about this many rows per side in each finer bucket. */
const TARGET_ROWS_PER_FINE_BUCKET = 4;

/** Initial bucket bits: about 64 rows per bucket, between 16 and 2^18 buckets. */
export function initialBucketBits(estimatedRows: number | undefined): number {
  const rows = estimatedRows ?? 64 * 1024;
  return Math.min(18, Math.max(4, Math.ceil(Math.log2(Math.max(1, rows / 64)))));
}

export type DrillStep = { leaf: true } | { refineTo: number };

/** Fetch keys now, or first split the dirty buckets into finer ones (another filtered pass)? */
export function nextDrillStep(dirty: DirtyBuckets, bits: number, refinements: number): DrillStep {
  const buckets = dirty.twoSided.length;
  if (buckets === 0) return { leaf: true };
  const perBucket = Math.max(dirty.rowsOld, dirty.rowsNew) / buckets;
  if (perBucket <= LEAF_ROWS_PER_BUCKET || bits >= MAX_BUCKET_BITS || refinements >= MAX_REFINEMENTS) return { leaf: true };
  const extra = Math.ceil(Math.log2(perBucket / TARGET_ROWS_PER_FINE_BUCKET));
  return { refineTo: Math.min(MAX_BUCKET_BITS, bits + Math.max(1, extra)) };
}

/** Splits buckets into groups whose rows (both sides) stay under `maxRows`, bounding memory. */
export function leafChunks(buckets: readonly number[], old: Fingerprints, neu: Fingerprints, maxRows: number): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let rows = 0;
  for (const bucket of buckets) {
    const size = old.count(bucket) + neu.count(bucket);
    if (current.length > 0 && rows + size > maxRows) { chunks.push(current); current = []; rows = 0; }
    current.push(bucket);
    rows += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}


/**
 * The first bucket of a coarser pass whose rows a finer pass of the same side does not reproduce
 * (pure): the finer buckets nested in it (`fine.space.within`, at `coarse`'s bits) must add up to
 * its count and hash sum exactly, as they are the same rows hashed alike. They do not when the two
 * statements read different rows or values — rows written between passes, a compared expression
 * whose value depends on the other rows read (a window function over the bucket's rows only) or on
 * when it runs — and a difference one pass saw could then vanish in the next unseen.
 */
export function unreproducedBucket(coarse: Fingerprints, fine: Fingerprints): number | undefined {
  const within = fine.space.within;
  if (!within || within.bits !== coarse.space.bits) throw new Error('a finer pass must nest in the coarser pass it is checked against');
  const width = 2 ** (fine.space.bits - within.bits);
  const totals = new Map<number, { n: number; sum: bigint }>();
  for (const [bucket, print] of fine.entries()) {
    const parent = Math.floor(bucket / width);
    const total = totals.get(parent) ?? { n: 0, sum: 0n };
    total.n += print.n;
    total.sum += BigInt(print.sum);
    totals.set(parent, total);
  }
  for (const parent of within.buckets) {
    const expected = coarse.get(parent);
    const found = totals.get(parent);
    if ((expected?.n ?? 0) !== (found?.n ?? 0) || BigInt(expected?.sum ?? 0) !== (found?.sum ?? 0n)) return parent;
  }
  return undefined;
}

/** Per-bucket count and exact hash sum of rows as they stream in (a leaf chunk's rows, to check against their pass). */
export class BucketTotals {
  private readonly totals = new Map<number, { n: number; sum: bigint }>();

  /** Adds a row: its bucket and the low bits of its row hash (decimal text). */
  add(bucket: number, hash: string): void {
    const total = this.totals.get(bucket) ?? { n: 0, sum: 0n };
    total.n++;
    total.sum += BigInt(hash);
    this.totals.set(bucket, total);
  }

  /** The totals as the prints of a pass over exactly `buckets` (sorted) at `bits`. */
  prints(bits: number, buckets: readonly number[]): Fingerprints {
    const prints = new Fingerprints({ bits, within: { bits, buckets } });
    for (const [bucket, total] of this.totals) prints.set(bucket, total.n, total.sum.toString());
    return prints;
  }
}
