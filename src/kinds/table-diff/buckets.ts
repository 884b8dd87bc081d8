/**
 * The pure half of table_diff: comparing per-bucket fingerprints (count, sum of row hashes) and
 * deciding whether to drill into finer buckets or fetch keys. Leaf rows: leaf-diff.ts.
 */
import type { Fingerprints } from './fingerprints.js';
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

