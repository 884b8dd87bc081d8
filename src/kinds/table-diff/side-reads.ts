/**
 * How a table_diff reads its two sides. A diff is many statements, each a transaction of its own,
 * and each finds its table by name: a table renamed over a side's name and back between two of them
 * (an online schema change tool's copy, swapped in and out) would have one pass's dirty buckets
 * drilled into another table's rows, or the columns listed from one table and compared in another,
 * while readings of the name before and after see the same table. So every statement here proves
 * which table it read (planProvingTable) against the one the side's name reached when the diff began.
 * A pass's two sides are compared with each other, so `both` reads them in one snapshot wherever one
 * transaction can read both sides (docs/decisions.md, "table_diff reads each pass's two sides in one snapshot").
 */
import type { ExecutionContext, QueryOptions } from '../types.js';
import type { SQL } from '../../sql/build.js';
import type { TableRef } from '../../sql/identifiers.js';
import { Fault } from '../../results/fault.js';
import { planProvingTable, planTableOid, readProvenRow, tableReplacedMessage } from '../../introspect/table-identity.js';

export type SideName = 'old' | 'new';

/** Where one side's rows are: its source and the name of its table. */
export interface SideTable { source: string; table: TableRef }

/** Reads of both sides, each statement proving it read the side's table. */
export interface SideReads {
  /** The oid each side's name reached when the diff began ('' when none), old then new: a checkpoint is kept for these tables only. */
  readonly tables: readonly [string, string];
  /**
   * Whether `both` reads the two sides in one snapshot (one source, or sources configured alike);
   * otherwise they may be two databases, and each side's statement is its own snapshot.
   */
  readonly oneSnapshot: boolean;
  /** The statement's rows (a small answer). */
  query(side: SideName, statement: SQL, options?: QueryOptions): Promise<Record<string, unknown>[]>;
  /** Hands each row to `onRow` as it arrives; resolves with the row count. */
  each(side: SideName, statement: SQL, onRow: (row: Record<string, unknown>) => void, options?: QueryOptions): Promise<number>;
  /**
   * One statement per side whose answers are compared with each other: in one snapshot where one
   * transaction can read both (old first, then new), else both at once; resolves with the row counts.
   */
  both(statements: Record<SideName, SQL>, onRow: Record<SideName, (row: Record<string, unknown>) => void>, options?: QueryOptions): Promise<[number, number]>;
}

/** Reads which table each side's name reaches now; every later read must have read that one. */
export async function openSideReads(ctx: ExecutionContext, sides: Record<SideName, SideTable>): Promise<SideReads> {
  const [old, neu] = await Promise.all((['old', 'new'] as const).map(async (s) => (await ctx.query(sides[s].source, planTableOid(sides[s].table)))[0]));
  const tables = [String(old?.oid ?? ''), String(neu?.oid ?? '')] as const;
  // Proven against what each name reached (a view's definition too), not only its oid.
  const identity = (row: Record<string, unknown> | undefined) => (row?.oid === null || row?.oid === undefined ? '' : String(row.identity ?? ''));
  const expected = { old: identity(old), new: identity(neu) };
  const what = (side: SideName) => `${side} side of the table_diff`;
  const oneSnapshot = ctx.oneSnapshotReads([sides.old.source, sides.new.source]);
  /** One side's statement wrapped to prove its table, the rows it proves, and the check that it answered at all. */
  const proving = (side: SideName, statement: SQL, onRow: (row: Record<string, unknown>) => void) => {
    let answers = 0;
    let rows = 0;
    return {
      statement: planProvingTable(sides[side].table, statement),
      onRow(row: Record<string, unknown>) {
        answers++;
        const proven = readProvenRow(row, expected[side], sides[side].table, what(side));
        if (proven) {
          rows++;
          onRow(proven);
        }
      },
      rows() {
        // An empty answer still has its marker row: no row at all proves nothing.
        if (answers === 0) throw new Fault({ code: 'table_replaced', message: tableReplacedMessage(sides[side].table, what(side)) });
        return rows;
      },
    };
  };
  const each = async (side: SideName, statement: SQL, onRow: (row: Record<string, unknown>) => void, options?: QueryOptions) => {
    const read = proving(side, statement, onRow);
    await ctx.queryEach(sides[side].source, read.statement, read.onRow, options);
    return read.rows();
  };
  return {
    tables,
    oneSnapshot,
    each,
    async query(side, statement, options) {
      const rows: Record<string, unknown>[] = [];
      await each(side, statement, (row) => rows.push(row), options);
      return rows;
    },
    async both(statements, onRow, options) {
      if (!oneSnapshot) return Promise.all([each('old', statements.old, onRow.old, options), each('new', statements.new, onRow.new, options)]);
      // Read apart, a write to both tables between the two statements could pair one side's rows
      // before it with the other's after it: a lagging copy would match (docs/decisions.md).
      const reads = (['old', 'new'] as const).map((s) => ({ source: sides[s].source, ...proving(s, statements[s], onRow[s]) }));
      await ctx.eachInOneSnapshot(reads, options);
      return [reads[0]!.rows(), reads[1]!.rows()];
    },
  };
}
