/** row_count: old and new hold the same number of rows, within a tolerance. */
import { z } from 'zod';
import { addConstantScopeIssues } from '../checkfile/constant-scope.js';
import { baseCheckShape, expressionSchema, minRowsSchema, ratioSchema, sourceNameSchema, tableRefSchema } from '../checkfile/common.js';
import { formatTableRef } from '../sql/identifiers.js';
import { predicateSql, regclassText, sql, type SQL } from '../sql/build.js';
import { filterShape, type ColumnRenaming } from '../sql/shape.js';
import { formatCount } from './format.js';
import type { TableRef } from '../sql/identifiers.js';
import { defineKind, requireCount, scanFactsOf, type CountScan, type ExecutionContext, type SideRead } from './types.js';
import type { Outcome } from '../results/outcome.js';
import { fixedRowsFault } from './lineage/row-source.js';
import { Fault, faultOutcome, scopeTooSmall, thresholdCoversScope } from '../results/fault.js';

/** pg_class.relkind of relations whose rows are a table's: ordinary, partitioned, foreign. */
const TABLE_KINDS = new Set(['r', 'p', 'f']);

const sideSchema = z.strictObject({
  source: sourceNameSchema,
  table: tableRefSchema,
  where: expressionSchema.optional(),
});

const toleranceSchema = z.union([
  z.strictObject({ absolute: z.number().int().min(0) }),
  z.strictObject({ relative: ratioSchema }),
]);

export const rowCountSchema = z.strictObject({
  ...baseCheckShape,
  kind: z.literal('row_count'),
  old: sideSchema,
  new: sideSchema,
  tolerance: toleranceSchema.default({ absolute: 0 }),
  /**
   * Use the planner's estimate (pg_class.reltuples) instead of counting: instant on huge tables,
   * reported as an estimate, and never accepted by a gate (gates require exact counts).
   */
  estimate: z.boolean().default(false),
  /** Each side must count at least this many rows: 0 = 0 proves nothing (a typo in `where`?). */
  min_rows: minRowsSchema,
}).superRefine((spec, ctx) => addConstantScopeIssues(ctx, spec.min_rows, [[['old', 'where'], spec.old.where], [['new', 'where'], spec.new.where]]));
export type RowCountSpec = z.output<typeof rowCountSchema>;

/** One count per side; each is fusable with other counts over the same table. */
export function planRowCount(spec: RowCountSpec): { old: CountScan; new: CountScan } {
  const scan = (side: RowCountSpec['old']): CountScan => ({
    source: side.source,
    table: side.table,
    counts: { rows: side.where === undefined ? true : predicateSql(side.where) },
  });
  return { old: scan(spec.old), new: scan(spec.new) };
}

/**
 * Compares the two counts against the tolerance; a side below min_rows, or an absolute tolerance
 * that would let every old row be missing, is "could not verify".
 */
export function evaluateRowCount(spec: RowCountSpec, oldRows: number, newRows: number): Outcome {
  const counted = { old_rows: oldRows, new_rows: newRows };
  for (const [name, side, rows] of [['old', spec.old, oldRows], ['new', spec.new, newRows]] as const) {
    const fault = scopeTooSmall(rows, spec.min_rows, `${name} rows in ${describeScope(side)}`);
    if (fault) return faultOutcome(fault, counted);
  }
  // A relative tolerance of 1 is refused at load (it accepts an empty new table); an absolute one
  // at or above the old count is that allowance in rows: every old row could be missing from new.
  const absolute = 'absolute' in spec.tolerance ? spec.tolerance.absolute : undefined;
  const covering = thresholdCoversScope(absolute, oldRows, `tolerance.absolute against the old rows in ${describeScope(spec.old)}`);
  if (covering) return faultOutcome(covering, counted);
  const difference = newRows - oldRows;
  const magnitude = Math.abs(difference);
  const ratio = oldRows === 0 ? (newRows === 0 ? 0 : 1) : magnitude / oldRows;
  const within = 'absolute' in spec.tolerance ? magnitude <= spec.tolerance.absolute : ratio <= spec.tolerance.relative;
  const oldName = formatTableRef(spec.old.table);
  const newName = formatTableRef(spec.new.table);
  const direction = difference === 0 ? 'the same number of rows as' : difference > 0 ? `${formatCount(magnitude)} more rows than` : `${formatCount(magnitude)} fewer rows than`;
  return {
    status: within ? 'pass' : 'fail',
    summary: `${newName} has ${direction} ${oldName} (${formatCount(newRows)} vs ${formatCount(oldRows)})${within ? '' : `, outside tolerance ${describeTolerance(spec.tolerance)}`}`,
    observations: {
      old_rows: oldRows,
      new_rows: newRows,
      difference,
      rows_scanned: oldRows + newRows,
      mismatches: magnitude,
      mismatch_ratio: ratio,
    },
    samples: [],
  };
}

/** The planner's row estimate for a table; NULL/-1 when it was never analysed. */
export function planEstimate(table: TableRef): SQL {
  return sql`select reltuples::bigint as estimate from pg_class where oid = to_regclass(${regclassText(table)})`;
}

async function estimateRows(ctx: ExecutionContext, side: RowCountSpec['old']): Promise<number> {
  const [row] = await ctx.query<{ estimate: string | null }>(side.source, planEstimate(side.table));
  if (!row) throw new EstimateUnavailable(`table ${formatTableRef(side.table)} does not exist on source "${side.source}"`);
  const estimate = Number(row.estimate);
  if (!Number.isFinite(estimate) || estimate < 0) {
    throw new EstimateUnavailable(`table ${formatTableRef(side.table)} has no planner statistics yet; run ANALYZE or drop estimate: true`);
  }
  return estimate;
}

/** The estimate cannot be trusted or read: "could not verify", not a zero. */
export class EstimateUnavailable extends Fault {
  override readonly name = 'EstimateUnavailable';
  constructor(message: string) {
    super({ code: 'estimate_unavailable', message });
  }
}

/** What a side counts: its table and filter (compared by shape, so spacing and case do not hide a copy). */
function sideRead(side: RowCountSpec['old'], rename: ColumnRenaming | undefined): SideRead {
  return { source: side.source, table: side.table, reads: { where: filterShape(side.where, rename) } };
}

function describeScope(side: RowCountSpec['old']): string {
  return `${formatTableRef(side.table)}${side.where === undefined ? '' : ` where ${side.where}`} on source "${side.source}"`;
}

function describeTolerance(t: RowCountSpec['tolerance']): string {
  return 'absolute' in t ? `±${t.absolute} rows` : `±${t.relative * 100}%`;
}

export const rowCount = defineKind({
  kind: 'row_count',
  scopeIsCompared: true,
  comparesCounts: true,
  description: 'old and new tables hold the same number of rows (optionally filtered), within a tolerance',
  schema: rowCountSchema,
  sourcesOf: (spec) => [spec.old.source, spec.new.source],
  sides: (spec, renaming) => ({ old: sideRead(spec.old, renaming?.old), new: sideRead(spec.new, renaming?.new) }),
  countScans: (spec) => (spec.estimate ? [] : Object.values(planRowCount(spec))),
  async execute(spec, ctx, counts) {
    if (spec.estimate) {
      if (spec.old.where !== undefined || spec.new.where !== undefined) {
        throw new EstimateUnavailable('estimate: true cannot apply a where filter; the planner estimates whole tables');
      }
      const [oldRows, newRows] = await Promise.all([estimateRows(ctx, spec.old), estimateRows(ctx, spec.new)]);
      const outcome = evaluateRowCount(spec, oldRows, newRows);
      if (outcome.status === 'error') return outcome;
      outcome.summary = `estimated: ${outcome.summary}`;
      outcome.observations.estimated = true;
      delete outcome.observations.rows_scanned;
      return outcome;
    }
    const [oldCounts = {}, newCounts = {}] = counts;
    const outcome = evaluateRowCount(spec, requireCount(oldCounts, 'rows'), requireCount(newCounts, 'rows'));
    // A pass only: a side whose rows no table holds (a view of a series) counts what its definition fixes (lineage/row-source.ts).
    if (outcome.status === 'pass') {
      // A side its count proved an ordinary, partitioned or foreign table (under the count's lock) holds a table's rows: nothing to ask.
      const asked = ([[spec.old, oldCounts], [spec.new, newCounts]] as const).filter(([, c]) => !TABLE_KINDS.has(scanFactsOf(c).relation?.kind ?? ''));
      const [fault] = (await Promise.all(asked.map(([side]) => fixedRowsFault(ctx, side)))).filter((f) => f !== undefined);
      if (fault) return faultOutcome(fault, outcome.observations);
    }
    return outcome;
  },
});
