/**
 * The I/O of a segmented table_diff (segments.ts has the pure half): whether both sides order keys
 * alike, and the loop over key-range segments with its checkpoint. Each segment's diff itself is
 * table-diff.ts's, handed in.
 */
import { Fault } from '../../results/fault.js';
import type { Outcome } from '../../results/outcome.js';
import type { ExecutionContext, ScanFacts } from '../types.js';
import type { DiffSide, SideTypes } from './plan.js';
import { keyColumnsOf, keyOrderProbeFor, planKeyCollations, planKeyOrderProbe, planKeysOrdered, planServerEncoding, planNullKeyRows, planSegmentEnd, readSegmentEnd, restoreTally, segmentProgress, segmentSide } from './segments.js';
import type { ComparedColumn, TableDiffSpec } from './spec.js';
import { refuseScope, type DiffTally } from './verdict.js';
import type { SideReads } from './side-reads.js';

/** Both sides' rows of one diff: the whole table, or one key-range segment. */
export type Sides = Record<'old' | 'new', DiffSide>;

/** Why the two sides would put the same key in different segments (their collations sort a probe differently), or undefined. */
export async function keyOrderDiffers(spec: TableDiffSpec, ctx: ExecutionContext, reads: SideReads, sides: Sides, types: Record<'old' | 'new', SideTypes>): Promise<string | undefined> {
  const key = { old: keyColumnsOf(spec.key, types.old.keys), new: keyColumnsOf(spec.key, types.new.keys) };
  const collationRows = await Promise.all((['old', 'new'] as const).map(async (s) => {
    const collations = planKeyCollations(sides[s], key[s]);
    return collations && (await reads.query(s, collations))[0];
  }));
  // Only texts both servers' encodings hold: an unconvertible probe text is an error on its side.
  const texts = collationRows.some((row) => row !== undefined)
    ? keyOrderProbeFor(await Promise.all((['old', 'new'] as const).map(async (s) => String((await ctx.query(sides[s].source, planServerEncoding()))[0]?.encoding))))
    : [];
  const orders = await Promise.all((['old', 'new'] as const).map(async (s, i) => {
    const row = collationRows[i];
    const probe = row && planKeyOrderProbe(key[s], row, texts);
    return { collations: row ?? {}, order: probe ? (await ctx.query(sides[s].source, probe))[0] ?? {} : {} };
  }));
  for (const [i, name] of spec.key.entries()) {
    const [old, neu] = orders.map((o) => o.order[`o_${i}`] ?? null);
    if (old !== neu) {
      return `the two sides order key column ${name} differently (collation ${String(orders[0]!.collations[`c_${i}`] ?? 'none')} on old, ${String(orders[1]!.collations[`c_${i}`] ?? 'none')} on new), so a key range would not hold the same rows on both`;
    }
  }
  return undefined;
}

/** What the segment loop shares with the diff. */
interface SegmentedDiff {
  spec: TableDiffSpec;
  ctx: ExecutionContext;
  /** Every statement reading a side's table goes through here (it proves which table it read). */
  reads: SideReads;
  sides: Sides;
  types: Record<'old' | 'new', SideTypes>;
  tally: DiffTally;
  columns: readonly ComparedColumn[];
  nullKeyRows: Record<'old' | 'new', number>;
  proven(): boolean;
  progress(): void;
}

/**
 * The diff segment by segment (segments.ts): NULL keys counted first, then each key range diffed
 * in full and recorded in the check's checkpoint, so an interrupted run's successor continues
 * after the last recorded segment with its tally — a segment is in both the tally and the last
 * key, or in neither. An outcome when the run is refused before or between segments.
 */
export async function diffSegments(d: SegmentedDiff, segmentRows: number, diffRange: (range: Sides) => Promise<boolean | Outcome>): Promise<Outcome | { stopped: boolean; resumed?: ScanFacts['resumed'] }> {
  const { spec, ctx, reads, sides, types, tally } = d;
  const key = { old: keyColumnsOf(spec.key, types.old.keys), new: keyColumnsOf(spec.key, types.new.keys) };
  const both = <T>(work: (side: 'old' | 'new') => Promise<T>) => Promise.all([work('old'), work('new')]);
  // A NULL key lies in no key range: such rows are counted apart, and refuse the check at once.
  // Both counted in one snapshot where one transaction reads both sides, as each segment's passes are.
  const counted = (s: 'old' | 'new') => (row: Record<string, unknown>) => { d.nullKeyRows[s] = Number(row.n ?? 0); };
  await reads.both({ old: planNullKeyRows(sides.old, key.old), new: planNullKeyRows(sides.new, key.new) }, { old: counted('old'), new: counted('new') });
  const nullRefusal = refuseScope(spec, { rowHash: tally.rowHash }, d.nullKeyRows);
  if (nullRefusal) return nullRefusal;

  const names = d.columns.map((c) => c.name);
  // Keyed by how values are written too: progress tallied under another rule (an older parity's) is not resumed.
  const forms = { old: sides.old.forms, new: sides.new.forms };
  // The tables the names reached when the diff began: a checkpoint recorded over other tables
  // (renamed over, or dropped and created again) is never resumed, and every statement of every
  // segment proves it read these (side-reads.ts), so a side swapped while segments are read ends the diff.
  const tables = reads.tables;
  const checkpoint = d.ctx.checkpoint?.([spec.old.source, spec.new.source], { kind: 'table_diff', columns: names, types, forms, tables });
  const claimed = await checkpoint?.claim();
  const restored = claimed && restoreTally(claimed, { key: key.old, columns: names, rowHash: tally.rowHash ?? 'sha256', sample: spec.sample });
  let after: string[] | undefined;
  let segments = 0;
  let rows = segmentRows;
  let resumed: ScanFacts['resumed'];
  if (claimed && restored) {
    Object.assign(tally, restored);
    after = claimed.lastKey;
    segments = claimed.chunks;
    rows = claimed.chunkRows > 0 ? claimed.chunkRows : segmentRows;
    resumed = { fromRun: claimed.fromRun, chunks: segments, rowsScanned: tally.oldRows + tally.newRows, since: claimed.since.toISOString(), unit: 'segment', readUnder: claimed.readUnder };
    d.progress();
  }
  let stopped = false;
  for (;;) {
    ctx.signal.throwIfAborted();
    const end = readSegmentEnd((await reads.query('old', planSegmentEnd(sides.old, key.old, after, rows)))[0], key.old);
    if (after && end) {
      // Each side must order the two boundaries as the old side does, or a row could fall in two segments.
      const ordered = await both(async (s) => (await ctx.query(sides[s].source, planKeysOrdered(sides[s], key[s], after!, end)))[0]?.ordered);
      const side = ordered[0] !== true ? 'old' : ordered[1] !== true ? 'new' : undefined;
      if (side) {
        throw new Fault({
          code: 'key_order_differs',
          message: `the ${side} side does not order key (${after.join(', ')}) before (${end.join(', ')})${side === 'old' ? ', though it read them in that order' : ' as the old side does'} (another collation or key type?); `
            + `a segmented table_diff needs both sides to order keys alike — set segment_rows: 0 to diff the table in one pass`,
        });
      }
    }
    const range = { old: segmentSide(sides.old, key.old, after, end), new: segmentSide(sides.new, key.new, after, end) };
    const result = await diffRange(range);
    if (typeof result !== 'boolean') return result;
    segments++;
    if (result || end === undefined) {
      stopped = result;
      break;
    }
    // Every segment so far diffed in full: once they prove the failure, the rest need not be read.
    if (d.proven()) {
      stopped = true;
      break;
    }
    after = end;
    if (checkpoint && !(await checkpoint.save(segmentProgress(key.old, end, tally, names, segments, rows)))) {
      throw new Fault({ code: 'checkpoint_lost', message: `another run took over the checkpoint of this table_diff; this run stops so the two never count the same rows` });
    }
  }
  await checkpoint?.clear();
  return { stopped, ...(resumed ? { resumed } : {}) };
}
