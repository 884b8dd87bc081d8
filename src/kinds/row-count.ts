/** row_count: old and new hold the same number of rows, within a tolerance. */
import { z } from 'zod';
import { baseCheckShape, expressionSchema, sourceNameSchema, tableRefSchema } from '../spec/common.js';
import { formatTableRef } from '../spec/identifiers.js';
import { predicateSql } from '../sql/build.js';
import { defineKind, requireCount, type CountScan, type Outcome } from './types.js';

const sideSchema = z.strictObject({
  source: sourceNameSchema,
  table: tableRefSchema,
  where: expressionSchema.optional(),
});

const toleranceSchema = z.union([
  z.strictObject({ absolute: z.number().int().min(0) }),
  z.strictObject({ relative: z.number().min(0).max(1) }),
]);

export const rowCountSchema = z.strictObject({
  ...baseCheckShape,
  kind: z.literal('row_count'),
  old: sideSchema,
  new: sideSchema,
  tolerance: toleranceSchema.default({ absolute: 0 }),
});
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

/** Compares the two counts against the tolerance. */
export function evaluateRowCount(spec: RowCountSpec, oldRows: number, newRows: number): Outcome {
  const difference = newRows - oldRows;
  const magnitude = Math.abs(difference);
  const ratio = oldRows === 0 ? (newRows === 0 ? 0 : 1) : magnitude / oldRows;
  const within = 'absolute' in spec.tolerance ? magnitude <= spec.tolerance.absolute : ratio <= spec.tolerance.relative;
  const oldName = formatTableRef(spec.old.table);
  const newName = formatTableRef(spec.new.table);
  const direction = difference === 0 ? 'the same number of rows as' : difference > 0 ? `${magnitude} more rows than` : `${magnitude} fewer rows than`;
  return {
    status: within ? 'pass' : 'fail',
    summary: `${newName} has ${direction} ${oldName} (${newRows} vs ${oldRows})${within ? '' : `, outside tolerance ${describeTolerance(spec.tolerance)}`}`,
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

function describeTolerance(t: RowCountSpec['tolerance']): string {
  return 'absolute' in t ? `±${t.absolute} rows` : `±${t.relative * 100}%`;
}

export const rowCount = defineKind({
  kind: 'row_count',
  description: 'old and new tables hold the same number of rows (optionally filtered), within a tolerance',
  schema: rowCountSchema,
  sourcesOf: (spec) => [spec.old.source, spec.new.source],
  async execute(spec, ctx) {
    const plan = planRowCount(spec);
    const [oldCounts, newCounts] = await Promise.all([ctx.countRows(plan.old), ctx.countRows(plan.new)]);
    return evaluateRowCount(spec, requireCount(oldCounts, 'rows'), requireCount(newCounts, 'rows'));
  },
});
