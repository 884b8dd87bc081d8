/**
 * The pure half of table_diff: comparing per-bucket fingerprints (count, sum of row hashes),
 * deciding whether to drill into finer buckets or fetch keys, and diffing leaf rows by key.
 */
import { HASH_BITS } from './row-hash.js';

/** One bucket on one side: how many rows and the exact sum of their 60-bit row hashes. */
export interface BucketPrint { n: number; sum: string }
export type Fingerprints = Map<number, BucketPrint>;

/** Reads `b, n, s` rows into fingerprints (driver values may be strings). */
export function readFingerprints(rows: readonly Record<string, unknown>[]): Fingerprints {
  const out: Fingerprints = new Map();
  for (const row of rows) out.set(Number(row.b), { n: Number(row.n), sum: String(row.s) });
  return out;
}

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

/** Buckets whose count or hash sum differ, sorted. */
export function dirtyBuckets(old: Fingerprints, neu: Fingerprints): DirtyBuckets {
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
    const size = (old.get(bucket)?.n ?? 0) + (neu.get(bucket)?.n ?? 0);
    if (current.length > 0 && rows + size > maxRows) { chunks.push(current); current = []; rows = 0; }
    current.push(bucket);
    rows += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** A row in a dirty bucket: key texts, row hash, and one hash per compared value. */
export interface LeafRow { parts: string[]; hash: string; values: (number | null)[] }

export interface LeafDiff {
  missingInNew: string[][];
  missingInOld: string[][];
  changed: { parts: string[]; columns: number[] }[];
}

/** Thrown when a key is not unique on one side: a diff by key would be meaningless. */
export class DuplicateKeyError extends Error {
  override readonly name = 'DuplicateKeyError';
  constructor(readonly side: 'old' | 'new', readonly parts: string[]) {
    super(`key (${parts.join(', ')}) appears more than once in the ${side} table; table_diff needs a unique key`);
  }
}

function byKey(rows: readonly LeafRow[], side: 'old' | 'new'): Map<string, LeafRow> {
  const out = new Map<string, LeafRow>();
  for (const row of rows) {
    const id = JSON.stringify(row.parts);
    if (out.has(id)) throw new DuplicateKeyError(side, row.parts);
    out.set(id, row);
  }
  return out;
}

/** Diffs the rows of the same buckets from both sides: missing keys and changed rows (by column). */
export function diffLeafRows(oldRows: readonly LeafRow[], newRows: readonly LeafRow[]): LeafDiff {
  const oldByKey = byKey(oldRows, 'old');
  const newByKey = byKey(newRows, 'new');
  const diff: LeafDiff = { missingInNew: [], missingInOld: [], changed: [] };
  for (const [id, row] of oldByKey) {
    const other = newByKey.get(id);
    if (!other) { diff.missingInNew.push(row.parts); continue; }
    if (other.hash === row.hash) continue;
    const columns = row.values.flatMap((value, i) => (value === other.values[i] ? [] : [i]));
    diff.changed.push({ parts: row.parts, columns });
  }
  for (const [id, row] of newByKey) if (!oldByKey.has(id)) diff.missingInOld.push(row.parts);
  return diff;
}
