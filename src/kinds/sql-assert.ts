/** sql_assert: an operator-written query returns the expected number of rows (or value). */
import { z } from 'zod';
import { baseCheckShape, querySchema, sourceNameSchema } from '../checkfile/common.js';
import { sql } from '../sql/build.js';
import { toJsonValue } from './samples.js';
import { defineKind, requireCount } from './types.js';
import type { Outcome, Sample } from '../results/outcome.js';

const expectSchema = z.union([
  z.strictObject({ rows: z.number().int().min(0) }),
  z.strictObject({ max_rows: z.number().int().min(0) }),
  z.strictObject({ min_rows: z.number().int().min(0) }),
  z.strictObject({ value: z.union([z.string(), z.number(), z.boolean(), z.null()]) }),
]);

export const sqlAssertSchema = z.strictObject({
  ...baseCheckShape,
  kind: z.literal('sql_assert'),
  source: sourceNameSchema,
  query: querySchema,
  expect: expectSchema.default({ rows: 0 }),
  sample: z.number().int().min(0).max(1000).default(10),
});
export type SqlAssertSpec = z.output<typeof sqlAssertSchema>;

/** Counting happens in the database: the query is wrapped, never pulled into Node to count. */
export function planRowCountOf(spec: SqlAssertSpec) {
  return sql`select count(*) as rows from (\n${sql.raw(spec.query)}\n) as assertion`;
}

export function planFirstRows(spec: SqlAssertSpec, limit: number) {
  return sql`select * from (\n${sql.raw(spec.query)}\n) as assertion limit ${limit}`;
}

/** Judges a row count against rows / max_rows / min_rows. */
export function evaluateRowExpectation(spec: SqlAssertSpec, rows: number): Outcome {
  const e = spec.expect;
  const [pass, wanted] =
    'rows' in e ? [rows === e.rows, `exactly ${e.rows}`]
      : 'max_rows' in e ? [rows <= e.max_rows, `at most ${e.max_rows}`]
        : 'min_rows' in e ? [rows >= e.min_rows, `at least ${e.min_rows}`]
          : [false, 'a value'];
  return {
    status: pass ? 'pass' : 'fail',
    summary: `query returned ${rows} rows; expected ${wanted}`,
    observations: { rows_returned: rows, mismatches: pass ? 0 : rows },
    samples: [],
  };
}

/** Judges a single-value query: exactly one row whose first column equals the expected value. */
export function evaluateValueExpectation(expected: string | number | boolean | null, rows: Record<string, unknown>[]): Outcome {
  if (rows.length !== 1) {
    return { status: 'fail', summary: `expected exactly one row holding ${JSON.stringify(expected)}, got ${rows.length} rows`, observations: { rows_returned: rows.length, mismatches: 1 }, samples: [] };
  }
  const actual = Object.values(rows[0]!)[0];
  const equal = actual === null || expected === null ? actual === expected : String(toJsonValue(actual)) === String(expected);
  return {
    status: equal ? 'pass' : 'fail',
    summary: equal ? `query returned ${JSON.stringify(expected)} as expected` : `query returned ${JSON.stringify(toJsonValue(actual))}; expected ${JSON.stringify(expected)}`,
    observations: { rows_returned: 1, mismatches: equal ? 0 : 1, value: toJsonValue(actual) },
    samples: [],
  };
}

export const sqlAssert = defineKind({
  kind: 'sql_assert',
  description: 'a read-only query returns the expected number of rows or the expected value',
  schema: sqlAssertSchema,
  sourcesOf: (spec) => [spec.source],
  async execute(spec, ctx) {
    if ('value' in spec.expect) {
      return evaluateValueExpectation(spec.expect.value, await ctx.query(spec.source, planFirstRows(spec, 2)));
    }
    const [row] = await ctx.query<{ rows: string }>(spec.source, planRowCountOf(spec));
    const outcome = evaluateRowExpectation(spec, requireCount({ rows: Number(row?.rows) }, 'rows'));
    if (outcome.status === 'fail' && spec.sample > 0) {
      const rows = await ctx.query(spec.source, planFirstRows(spec, spec.sample));
      outcome.samples = rows.map((r): Sample => ({ category: 'row', key: {}, detail: toJsonValue(r) as Record<string, never> }));
    }
    return outcome;
  },
});
