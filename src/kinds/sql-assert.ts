/** sql_assert: an operator-written query returns the expected number of rows (or value). */
import { z } from 'zod';
import { baseCheckShape, expressionSchema, minRowsSchema, querySchema, sourceNameSchema, tableRefSchema } from '../checkfile/common.js';
import { formatTableRef } from '../sql/identifiers.js';
import { predicateSql, sql, tableSql, type SQL } from '../sql/build.js';
import { queryAnswerOf, type RowBounds } from '../sql/fixed-answers.js';
import { explainSql, planOfRow } from '../sql/planned-answer.js';
import { judgePlan } from './judge-plan.js';
import { queryAsRun } from './query-as-run.js';
import { fixedAroundAggregates } from './aggregate-values.js';
import { witnessData, witnessObservations } from './data-witness.js';
import { withOpaqueNullTests } from '../sql/opaque-null-tests.js';
import { toJsonValue } from './samples.js';
import { defineKind, requireCount, type ExecutionContext } from './types.js';
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
 * and it must hold at least `min_rows` rows. Counted in the query's own statement (planScopedRowCount):
 * one snapshot, so the count is of the rows the query read.
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

type Scope = NonNullable<SqlAssertSpec['scope']>;

/** The rows in scope (a one-row sub-select). */
function planScopeCount(scope: Scope): SQL {
  return sql`select count(*) as rows from ${tableSql(scope.table)} where ${predicateSql(scope.where)}`;
}

/**
 * The scope's rows beside the query's: one statement, so one snapshot, taken after every table
 * either reads is locked. Counted in two statements (a count scan, then the query), a write
 * committed between them — a table emptied for a reload — left the query an empty population
 * while min_rows was judged on the rows counted before it: `rows: 0` passed vacuously.
 */
export function planScopedRowCount(spec: SqlAssertSpec, scope: Scope): SQL {
  return sql`select s.rows as scope_rows, a.rows from (${planScopeCount(scope)}) as s cross join (${planRowCountOf(spec)}) as a`;
}

/** The scope's rows beside the query's first two values (planValueQuery), in one statement; no value row: one row of NULLs beside the count. */
export function planScopedValue(query: string, expected: ExpectedValue, scope: Scope): SQL {
  return sql`select s.rows as parity_scope_rows, v.* from (${planScopeCount(scope)}) as s
    left join (select true as parity_answered, q.* from (${planValueQuery(query, expected)}) as q) as v on true`;
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
  return judgeValueRows(await ctx.query<ValueRow>(source, planValueQuery(query, expected)), source, expected, ctx);
}

/** Judges the rows planValueQuery returned (a typed value's equality asked of the database: constants only). */
async function judgeValueRows(rows: readonly ValueRow[], source: string, expected: ExpectedValue, ctx: Pick<ExecutionContext, 'query'>): Promise<Outcome> {
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
  // No count scan: the scope is counted in the query's own statement (planScopedRowCount), never
  // fused with other checks' scans, so min_rows is judged on the rows the query read.
  async execute(spec, ctx) {
    const scope = spec.scope;
    const { outcome, scopeRows } = await assertQuery(spec, ctx);
    if (scope && scopeRows !== undefined) {
      const fault = scopeTooSmall(scopeRows, scope.min_rows, `rows in scope ${formatTableRef(scope.table)}${scope.where === undefined ? '' : ` where ${scope.where}`}`);
      if (fault) return faultOutcome(fault, { scope_rows: scopeRows });
      outcome.observations.scope_rows = scopeRows;
    }
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

/**
 * Runs the assertion itself — a count of the query's rows, or its single value — with the scope's
 * rows counted in the same statement when the check declares one (its verdict needs both).
 */
async function assertQuery(spec: SqlAssertSpec, ctx: ExecutionContext): Promise<{ outcome: Outcome; scopeRows?: number }> {
  const scope = spec.scope;
  if ('value' in spec.expect) {
    const expected = spec.expect.value;
    if (!scope) return { outcome: await executeValue(spec.query, spec.source, expected, ctx) };
    const rows = await ctx.query<ValueRow & { parity_scope_rows: string; parity_answered: boolean | null }>(spec.source, planScopedValue(spec.query, expected, scope));
    const scopeRows = requireCount({ rows: Number(rows[0]?.parity_scope_rows) }, 'rows');
    const values = rows.filter((r) => r.parity_answered === true).map(({ type, category, text, json_equal }): ValueRow => ({ type, category, text, json_equal }));
    return { outcome: await judgeValueRows(values, spec.source, expected, ctx), scopeRows };
  }
  const [row] = await ctx.query<{ rows: string; scope_rows?: string }>(spec.source, scope ? planScopedRowCount(spec, scope) : planRowCountOf(spec));
  const outcome = evaluateRowExpectation(spec, requireCount({ rows: Number(row?.rows) }, 'rows'));
  if (outcome.status === 'fail' && spec.sample > 0) {
    const rows = await ctx.query(spec.source, planFirstRows(spec, spec.sample));
    outcome.samples = rows.map((r): Sample => ({ category: 'row', key: {}, detail: toJsonValue(r) as Record<string, never> }));
  }
  return scope ? { outcome, scopeRows: requireCount({ rows: Number(row?.scope_rows) }, 'rows') } : { outcome };
}
