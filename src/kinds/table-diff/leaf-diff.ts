/**
 * The drill-down of table_diff: the rows of dirty buckets from both sides, diffed by key. A chunk
 * holds up to 200,000 rows, so each side keeps them compactly as they stream in: key text → slot,
 * and per slot the 60-bit row hash (two exact doubles) and one 32-bit hash per value (NULL flagged).
 */
import { Fault } from '../../results/fault.js';
import { splitDecimal } from './fingerprints.js';
import { keyId } from '../../compare/key-literal.js';

/** Thrown when a key is not unique on one side: a diff by key would be meaningless. */
export class DuplicateKeyError extends Fault {
  override readonly name = 'DuplicateKeyError';
  constructor(readonly side: 'old' | 'new', readonly parts: string[]) {
    super({ code: 'duplicate_key', message: `key (${parts.join(', ')}) appears more than once in the ${side} table; table_diff needs a unique key` });
  }
}

/** A row in a dirty bucket: key texts, row hash (decimal text), and one hash per compared value. */
export interface LeafRow { parts: string[]; hash: string; values: (number | null)[] }

export interface LeafDiff {
  missingInNew: string[][];
  missingInOld: string[][];
  changed: { parts: string[]; columns: number[] }[];
}

/** The leaf rows of one side, held in columns. A repeated key is remembered, not thrown mid-stream. */
export class LeafRows {
  private readonly slots = new Map<string, number>();
  private hashHigh: Float64Array;
  private hashLow: Float64Array;
  private values: Int32Array;
  private nulls: Uint8Array;
  /** The first key seen twice, if any. */
  duplicate: string[] | undefined;

  constructor(readonly keyColumns: number, readonly valueColumns: number, capacity = 256) {
    this.hashHigh = new Float64Array(capacity);
    this.hashLow = new Float64Array(capacity);
    this.values = new Int32Array(capacity * valueColumns);
    this.nulls = new Uint8Array(capacity * valueColumns);
  }

  get size(): number {
    return this.slots.size;
  }

  /** Empties the store for the next chunk, keeping its columns (grown at once to `expected` rows). */
  clear(expected = 0): this {
    this.slots.clear();
    this.duplicate = undefined;
    if (expected > this.hashHigh.length) this.grow(expected);
    return this;
  }

  /** Adds one row of the side. */
  add(row: LeafRow): void {
    const id = keyId(row.parts);
    if (this.slots.has(id)) {
      this.duplicate ??= row.parts;
      return;
    }
    const slot = this.slots.size;
    if (slot === this.hashHigh.length) this.grow(Math.max(256, slot * 2));
    this.slots.set(id, slot);
    [this.hashHigh[slot], this.hashLow[slot]] = splitDecimal(row.hash);
    const base = slot * this.valueColumns;
    for (let i = 0; i < this.valueColumns; i++) {
      const value = row.values[i] ?? null;
      this.values[base + i] = value ?? 0;
      this.nulls[base + i] = value === null ? 1 : 0;
    }
  }

  private grow(capacity: number): void {
    const widen = <A extends Float64Array | Int32Array | Uint8Array>(from: A, make: (n: number) => A, width: number): A => {
      const to = make(capacity * width);
      to.set(from);
      return to;
    };
    this.hashHigh = widen(this.hashHigh, (n) => new Float64Array(n), 1);
    this.hashLow = widen(this.hashLow, (n) => new Float64Array(n), 1);
    this.values = widen(this.values, (n) => new Int32Array(n), this.valueColumns);
    this.nulls = widen(this.nulls, (n) => new Uint8Array(n), this.valueColumns);
  }

  /** Key texts back from a key id. */
  partsOf(id: string): string[] {
    return this.keyColumns === 1 ? [id] : (JSON.parse(id) as string[]);
  }

  /** Keys with their slots, in arrival order. */
  keys(): IterableIterator<[string, number]> {
    return this.slots.entries();
  }

  slotOf(id: string): number | undefined {
    return this.slots.get(id);
  }

  /** Same row hash in both slots? */
  sameHash(slot: number, other: LeafRows, otherSlot: number): boolean {
    return this.hashHigh[slot] === other.hashHigh[otherSlot] && this.hashLow[slot] === other.hashLow[otherSlot];
  }

  /** Indexes of the values whose hashes (or NULL-ness) differ between the two slots. */
  differingValues(slot: number, other: LeafRows, otherSlot: number): number[] {
    const out: number[] = [];
    const a = slot * this.valueColumns;
    const b = otherSlot * other.valueColumns;
    for (let i = 0; i < this.valueColumns; i++) {
      if (this.nulls[a + i] !== other.nulls[b + i] || this.values[a + i] !== other.values[b + i]) out.push(i);
    }
    return out;
  }
}

/** Diffs the rows of the same buckets from both sides: missing keys and changed rows (by column). */
export function diffLeaves(old: LeafRows, neu: LeafRows): LeafDiff {
  if (old.duplicate) throw new DuplicateKeyError('old', old.duplicate);
  if (neu.duplicate) throw new DuplicateKeyError('new', neu.duplicate);
  const diff: LeafDiff = { missingInNew: [], missingInOld: [], changed: [] };
  for (const [id, slot] of old.keys()) {
    const other = neu.slotOf(id);
    if (other === undefined) { diff.missingInNew.push(old.partsOf(id)); continue; }
    if (old.sameHash(slot, neu, other)) continue;
    diff.changed.push({ parts: old.partsOf(id), columns: old.differingValues(slot, neu, other) });
  }
  for (const [id] of neu.keys()) if (old.slotOf(id) === undefined) diff.missingInOld.push(neu.partsOf(id));
  return diff;
}
