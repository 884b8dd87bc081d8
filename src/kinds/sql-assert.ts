/** sql_assert: an operator-written query returns the expected number of rows (or value). */
import { z } from 'zod';
import { baseCheckShape, expressionSchema, minRowsSchema, querySchema, sourceNameSchema, tableRefSchema } from '../checkfile/common.js';
import { formatTableRef } from '../sql/identifiers.js';
import { predicateSql, sql } from '../sql/build.js';
import { queryAnswerOf, type RowBounds } from '../sql/fixed-answers.js';
import { explainSql, planOfRow } from '../sql/planned-answer.js';
import { judgePlan } from './judge-plan.js';
import { queryAsRun } from './query-as-run.js';
import { fixedAroundAggregates } from './aggregate-values.js';
import { witnessData, witnessObservations } from './data-witness.js';
import { withOpaqueNullTests } from '../sql/opaque-null-tests.js';
import { toJsonValue } from './samples.js';
import { defineKind, requireCount, type CountScan, type ExecutionContext } from './types.js';
import { describeExpected, expectedValueSchema, judgeValue, planTypedEquality, planValueQuery, typedVerdict, type ExpectedValue, type TypedAnswer, type ValueRow } from './expected-value.js';
import type { Outcome, Sample } from '../results/outcome.js';
import { Fault, faultOutcome, scopeTooSmall } from '../results/fault.js';

/**
 * The most rows one Postgres table can hold: 291 tuples on each of 2^32 − 2 pages of 8 kB (32 TB).
 * A max_rows above it is a limit no table reaches, a check that cannot fail on one table's rows.
 */
const MAX_TABLE_ROWS = 291 * 4_294_967_294;

const expectSchema = z.union([
  z.strictObject({ rows: z.number().int().min(0) }),
  z.strictObject({ max_rows: z.number().int().min(0).max(MAX_TABLE_ROWS, `must be at most ${MAX_TABLE_ROWS}, the most rows a Postgres table can hold; a larger limit is one no table reaches`) }),
  // min_rows: 0 would accept any result at all.
  z.strictObject({ min_rows: z.number().int().min(1, 'must be at least 1; min_rows: 0 accepts any result') }),
  z.strictObject({ value: expectedValueSchema }),
]);

/**
 * The rows the assertion is about. A query cannot say what it ranges over, so a typo (a misspelt
 * status, an empty look-alike table) makes `rows: 0` pass vacuously; `scope` names the population
 * and it must hold at least `min_rows` rows. Counted as a count scan (fused with other checks).
 */
const scopeSchema = z.strictObject({
  table: tableRefSchema,
  where: expressionSchema.optional(),
  min_rows: minRowsSchema,
});

export const sqlAssertSchema = z.strictObject({
  ...baseCheckShape,
  kind: z.literal('sql_assert'),
  source: sourceNameSchema,
  query: querySchema,
  expect: expectSchema.default({ rows: 0 }),
  scope: scopeSchema.optional(),
  sample: z.number().int().min(0).max(1000).default(10),
}).superRefine((spec, ctx) => {
  const fixed = fixedPass(spec.query, spec.expect);
  if (fixed) ctx.addIssue({ code: 'custom', path: ['query'], message: `${fixed}, whatever the tables hold, so the check can never fail for anything in the data; assert on rows or values the data decides` });
});

const rowsText = ({ min, max }: RowBounds) => (min === max ? `exactly ${min} row${min === 1 ? '' : 's'}` : `${min} to ${max === Infinity ? 'any number of' : max} rows`);

/**
 * Why the expectation passes on any data, or undefined: the query's row count is fixed within the
 * expected bounds (an aggregate without GROUP BY, `limit 1`, a `where` that folds to false), or its
 * one row holds a value that depends on nothing (`select count(*) >= 0 from t`). A fixed answer that
 * always fails is left to fail when run.
 */
function fixedPass(query: string, expect: z.output<typeof expectSchema>): string | undefined {
  const answer = queryAnswerOf(query);
  if (!answer) return undefined;
  const { rows } = answer;
  const returns = `the query returns ${rowsText(rows)}`;
  if ('rows' in expect) return rows.min === expect.rows && rows.max === expect.rows ? returns : undefined;
  // An expectation already refused (zod still refines the object) is not judged twice.
  if ('max_rows' in expect) return rows.max <= expect.max_rows && expect.max_rows <= MAX_TABLE_ROWS ? `${returns}, never more than max_rows: ${expect.max_rows}` : undefined;
  if ('min_rows' in expect) return rows.min >= expect.min_rows && expect.min_rows >= 1 ? `${returns}, never fewer than min_rows: ${expect.min_rows}` : undefined;
  return rows.min === 1 && rows.max === 1 && answer.firstColumnFixed ? `${returns} whose first column has one value on any data` : undefined;
}
export type SqlAssertSpec = z.output<typeof sqlAssertSchema>;

/** Counting happens in the database: the query is wrapped, never pulled into Node to count. */
export function planRowCountOf(spec: SqlAssertSpec) {
  return sql`select count(*) as rows from (\n${sql.raw(spec.query)}\n) as assertion`;
}

/** The first `limit` rows of the query, for samples. */
export function planFirstRows(spec: SqlAssertSpec, limit: number) {
  return sql`select * from (\n${sql.raw(spec.query)}\n) as assertion limit ${limit}`;
}

/** The scope count, when the check declares one. */
export function planScope(spec: SqlAssertSpec): CountScan[] {
  if (!spec.scope) return [];
  return [{ source: spec.source, table: spec.scope.table, counts: { rows: spec.scope.where === undefined ? true : predicateSql(spec.scope.where) } }];
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

/** Judges a single-value query: exactly one row whose first column equals the expected value, by type. */
export function evaluateValueExpectation(expected: ExpectedValue, rows: readonly ValueRow[], typed?: { equal: boolean; mismatch?: string }): Outcome {
  const wanted = describeExpected(expected);
  const row = rows[0];
  if (rows.length !== 1 || !row) {
    return { status: 'fail', summary: `expected exactly one row holding ${wanted}, got ${rows.length} rows`, observations: { rows_returned: rows.length, mismatches: 1 }, samples: [] };
  }
  const judged = judgeValue(expected, row);
  const verdict = 'typed' in judged ? typed ?? { equal: false } : judged;
  const equal = verdict.equal;
  const got = row.text === null ? 'NULL' : `${JSON.stringify(row.text)} (${row.type})`;
  const summary = equal ? `query returned ${got} as expected`
    : 'mismatch' in verdict && verdict.mismatch ? `${verdict.mismatch} (${got})`
      : `query returned ${got}; expected ${wanted}`;
  return {
    status: equal ? 'pass' : 'fail',
    summary,
    observations: { rows_returned: 1, mismatches: equal ? 0 : 1, value: row.text, value_type: row.type },
    samples: [],
  };
}

async function executeValue(query: string, source: string, expected: ExpectedValue, ctx: Pick<ExecutionContext, 'query'>): Promise<Outcome> {
  const rows = await ctx.query<ValueRow>(source, planValueQuery(query, expected));
  const row = rows[0];
  if (rows.length === 1 && row && row.text !== null && expected.type === 'string') {
    const verdict = judgeValue(expected, row);
    if ('typed' in verdict) {
      // Timestamps, dates, intervals, uuids: one value has many spellings; the database's `=` decides.
      const [answer] = await ctx.query<TypedAnswer>(source, planTypedEquality(row.type, row.text, expected.value));
      return evaluateValueExpectation(expected, rows, typedVerdict(row.type, expected.value, answer));
    }
  }
  return evaluateValueExpectation(expected, rows);
}

export const sqlAssert = defineKind({
  kind: 'sql_assert',
  description: 'a read-only query returns the expected number of rows or the expected value',
  schema: sqlAssertSchema,
  sourcesOf: (spec) => [spec.source],
  countScans: planScope,
  async execute(spec, ctx, counts) {
    const scope = spec.scope;
    const scopeRows = scope ? requireCount(counts[0] ?? {}, 'rows') : undefined;
    if (scope && scopeRows !== undefined) {
      const fault = scopeTooSmall(scopeRows, scope.min_rows, `rows in scope ${formatTableRef(scope.table)}${scope.where === undefined ? '' : ` where ${scope.where}`}`);
      if (fault) return faultOutcome(fault, { scope_rows: scopeRows });
    }
    const outcome = await assertQuery(spec, ctx);
    if (scopeRows !== undefined) outcome.observations.scope_rows = scopeRows;
    if (outcome.status !== 'pass') return outcome;
    // A pass the plan shows no data could have changed (a filter the planner folded to false) proves nothing.
    let fixed: 'no rows' | 'fixed' | undefined;
    try {
      // What the text hides from the load-time judgement — a LIMIT of constants, a view's own LIMIT or filter — judged once the server has said what it is.
      const asRun = await queryAsRun(spec.query, spec.source, ctx);
      const judged = 'value' in spec.expect ? 'value' : 'rows' in spec.expect && spec.expect.rows === 0 ? 'having' : undefined;
      const fixedAsRun = (asRun === spec.query ? undefined : fixedPass(asRun, spec.expect))
        ?? (judged && await fixedAroundAggregates(spec.query, judged, spec.source, ctx));
      if (fixedAsRun) {
        return faultOutcome({
          code: 'never_fails',
          message: `${fixedAsRun}, whatever the tables hold (judged with its views opened, its LIMIT and OFFSET computed and its aggregates varied, on the server), so the check passed for nothing in the data; assert on rows or values the data decides`,
        }, outcome.observations);
      }
      fixed = await judgePlan(await explainQuery(spec.query, spec, ctx), spec.source, ctx);
      // PostgreSQL 17+ folds `x is null` on a NOT NULL column to false: asked again with the column read through
      // coalesce(x) (no constraint seen), a plan no longer fixed was fixed by the constraint alone, which proves the assertion (15 passes it too).
      const kept = fixed ? withOpaqueNullTests(spec.query) : undefined;
      if (kept !== undefined && !(await judgePlan(await explainQuery(kept, spec, ctx), spec.source, ctx))) {
        outcome.summary += ' (a NOT NULL constraint proves it: the server folds the null test to false)';
        return await witnessed(spec, outcome, ctx);
      }
    } catch (error) {
      // Could not ask (the replica fell behind since the read, …): could not verify, with what was read kept.
      if (error instanceof Fault) return faultOutcome(error.fault, outcome.observations);
      throw error;
    }
    if (!fixed) return witnessed(spec, outcome, ctx);
    const returns = fixed === 'no rows' ? 'returns no row' : 'returns one row of aggregates over no row';
    return faultOutcome({
      code: 'never_fails',
      message: `the server's plan shows the query ${returns} whatever the tables hold (a condition it folded to false, such as a comparison of constants through functions, or a range no partition holds), so the check passed for nothing in the data; assert on rows or values the data decides`,
    }, outcome.observations);
  },
});

/** The plan of the check's query, or of the same query spelt otherwise (nothing is executed). */
async function explainQuery(query: string, spec: SqlAssertSpec, ctx: ExecutionContext): Promise<unknown> {
  const [row] = await ctx.query<Record<string, unknown>>(spec.source, explainSql(sql.raw(query)));
  return planOfRow(row);
}

/** Whether the query's answer (`query`: the check's, or the same over other rows) differs from the expectation. */
async function answerDiffers(spec: SqlAssertSpec, query: string, ctx: Pick<ExecutionContext, 'query'>): Promise<boolean> {
  if ('value' in spec.expect) return (await executeValue(query, spec.source, spec.expect.value, ctx)).status !== 'pass';
  const [row] = await ctx.query<{ rows: string }>(spec.source, planRowCountOf({ ...spec, query }));
  return evaluateRowExpectation(spec, Number(row?.rows)).status !== 'pass';
}

/**
 * The pass, if it stands: some contents of the tables the query reads (generated, kinds/data-witness.ts)
 * make its answer differ from the expectation. Otherwise the check passed for nothing in the data.
 */
async function witnessed(spec: SqlAssertSpec, outcome: Outcome, ctx: ExecutionContext): Promise<Outcome> {
  try {
    const atLeast = 'max_rows' in spec.expect ? spec.expect.max_rows + 1 : 0;
    const result = await witnessData(spec.query, spec.source, ctx, (query) => answerDiffers(spec, query, ctx), atLeast);
    Object.assign(outcome.observations, witnessObservations(result));
    if (result.witnessed) return outcome;
    return faultOutcome({ code: 'never_fails', message: result.message }, outcome.observations);
  } catch (error) {
    if (error instanceof Fault) return faultOutcome(error.fault, outcome.observations);
    throw error;
  }
}

/** Runs the assertion itself: a count of the query's rows, or its single value. */
async function assertQuery(spec: SqlAssertSpec, ctx: ExecutionContext): Promise<Outcome> {
  if ('value' in spec.expect) return executeValue(spec.query, spec.source, spec.expect.value, ctx);
  const [row] = await ctx.query<{ rows: string }>(spec.source, planRowCountOf(spec));
  const outcome = evaluateRowExpectation(spec, requireCount({ rows: Number(row?.rows) }, 'rows'));
  if (outcome.status === 'fail' && spec.sample > 0) {
    const rows = await ctx.query(spec.source, planFirstRows(spec, spec.sample));
    outcome.samples = rows.map((r): Sample => ({ category: 'row', key: {}, detail: toJsonValue(r) as Record<string, never> }));
  }
  return outcome;
}
