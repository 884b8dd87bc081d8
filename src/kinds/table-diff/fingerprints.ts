/**
 * Per-bucket fingerprints of one side of a table_diff pass, held in flat columns indexed by bucket
 * rather than as a Map of objects: 24 bytes per bucket (6 MB for the 2^18 buckets of a first
 * pass). A first pass covers every bucket at `bits`; a refinement pass covers only the finer
 * buckets nested in the dirty coarse ones, so its columns hold (coarse buckets × 2^extra bits)
 * slots. Both sides of a pass share the layout, so comparing them is a walk over the slots.
 */

/** One bucket on one side: how many rows and the exact sum of their 60-bit row hashes (decimal text). */
export interface BucketPrint { n: number; sum: string }

/** The buckets a pass can return: all of them at `bits`, or only those nested in `within` (sorted). */
export interface BucketSpace { bits: number; within?: { bits: number; buckets: readonly number[] } | undefined }

/**
 * Bucket sums are split at 10^12 into two exact doubles; the high part stays exact while the sum
 * is below 2^53 × 10^12 (≈ 2^92.9), i.e. for buckets of up to 2^32 rows of 60-bit hashes.
 */
const SPLIT_DIGITS = 12;
/** Refuses layouts whose columns would need more than 2^27 slots (3 GB): a first pass has at most 2^18. */
const MAX_SLOTS = 2 ** 27;

/** Splits a non-negative integer's decimal text into exact high and low doubles (value = high × 10^12 + low). */
export function splitDecimal(text: string): [high: number, low: number] {
  if (!/^\d+$/.test(text)) throw new Error(`expected a non-negative integer, got "${text}"`);
  const cut = Math.max(0, text.length - SPLIT_DIGITS);
  const high = cut === 0 ? 0 : Number(text.slice(0, cut));
  if (high > Number.MAX_SAFE_INTEGER) throw new Error(`integer ${text} is too large to compare exactly`);
  return [high, Number(text.slice(cut))];
}

/** The decimal text of a split integer (inverse of splitDecimal). */
export function joinDecimal(high: number, low: number): string {
  return high === 0 ? String(low) : `${high}${String(low).padStart(SPLIT_DIGITS, '0')}`;
}

/** The fingerprints of one side over one bucket space: count and split hash sum per slot. */
export class Fingerprints {
  readonly counts: Float64Array;
  readonly sumHigh: Float64Array;
  readonly sumLow: Float64Array;
  /** Sorted coarse buckets of a refinement pass (absent on a first pass: one parent, bucket 0 at 0 bits). */
  private readonly parents: Int32Array | undefined;
  private readonly childBits: number;

  constructor(readonly space: BucketSpace) {
    const within = space.within;
    this.childBits = within ? space.bits - within.bits : space.bits;
    if (within) {
      if (this.childBits < 0) throw new Error(`finer buckets (${space.bits} bits) cannot nest in ${within.bits}-bit buckets`);
      this.parents = Int32Array.from(within.buckets);
      for (let i = 1; i < this.parents.length; i++) {
        if (this.parents[i]! <= this.parents[i - 1]!) throw new Error('coarse buckets must be sorted and distinct');
      }
    }
    const slots = (this.parents?.length ?? 1) * 2 ** this.childBits;
    if (slots > MAX_SLOTS) throw new Error(`${slots} fingerprint slots exceed the limit of ${MAX_SLOTS}`);
    this.counts = new Float64Array(slots);
    this.sumHigh = new Float64Array(slots);
    this.sumLow = new Float64Array(slots);
  }

  get slots(): number {
    return this.counts.length;
  }

  /** The slot of a bucket, or -1 when the bucket lies outside this pass's space. */
  slotOf(bucket: number): number {
    if (!Number.isInteger(bucket) || bucket < 0) return -1;
    const width = 2 ** this.childBits;
    const parent = Math.floor(bucket / width);
    if (!this.parents) return parent === 0 ? bucket : -1;
    let lo = 0;
    let hi = this.parents.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = this.parents[mid]!;
      if (value === parent) return mid * width + (bucket - parent * width);
      if (value < parent) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The bucket a slot stands for; slots ascend with buckets. */
  bucketAt(slot: number): number {
    if (!this.parents) return slot;
    const width = 2 ** this.childBits;
    const rank = Math.floor(slot / width);
    return this.parents[rank]! * width + (slot - rank * width);
  }

  /** Records a bucket's count and hash sum (a `b, n, s` row of the pass). */
  set(bucket: number, n: number, sum: string): void {
    const slot = this.slotOf(bucket);
    if (slot < 0) throw new Error(`bucket ${bucket} is outside the buckets this pass asked for`);
    const [high, low] = splitDecimal(sum);
    this.counts[slot] = n;
    this.sumHigh[slot] = high;
    this.sumLow[slot] = low;
  }

  /** Records one row of a fingerprint statement (driver values may be strings or numbers). */
  addRow(row: Record<string, unknown>): void {
    // A NULL bucket (rows with a NULL key) is the caller's to count; Number(null) would be bucket 0.
    if (row.b === null || row.b === undefined) throw new Error('a fingerprint row without a bucket cannot be recorded');
    this.set(Number(row.b), Number(row.n), String(row.s));
  }

  /** Rows in the bucket (0 when it is empty or outside the space). */
  count(bucket: number): number {
    const slot = this.slotOf(bucket);
    return slot < 0 ? 0 : this.counts[slot]!;
  }

  /** The print of a non-empty bucket. */
  get(bucket: number): BucketPrint | undefined {
    const slot = this.slotOf(bucket);
    if (slot < 0 || this.counts[slot] === 0) return undefined;
    return { n: this.counts[slot]!, sum: joinDecimal(this.sumHigh[slot]!, this.sumLow[slot]!) };
  }

  /** Non-empty buckets with their prints, ascending. */
  *entries(): IterableIterator<[number, BucketPrint]> {
    for (let slot = 0; slot < this.slots; slot++) {
      if (this.counts[slot] !== 0) yield [this.bucketAt(slot), { n: this.counts[slot]!, sum: joinDecimal(this.sumHigh[slot]!, this.sumLow[slot]!) }];
    }
  }

  /** Rows over all buckets. */
  totalRows(): number {
    let total = 0;
    for (const n of this.counts) total += n;
    return total;
  }
}
