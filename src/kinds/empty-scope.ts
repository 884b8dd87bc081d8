/**
 * A pass over an empty scope proves something only if rows could have been in it. With `min_rows:
 * 0` a scope filter no row can ever meet makes row_count, null_check, column_parity and table_diff
 * pass on any data. The load-time judgement folds what the parse tree shows (checkfile/constant-scope.ts); a
 * filter only the server sees through (`not (v is null or v is not null)` on a scalar column, a
 * function of constants beside a column test) is asked of the server's plan here, and only when the
 * scope came back empty: a scope holding a row is no such filter, so a pass with rows costs nothing.
 */
import { explainSql, planOfRow } from '../sql/planned-answer.js';
import { judgePlan } from './judge-plan.js';
import { loadSqlParser } from '../sql/parser.js';
import { formatTableRef, type TableRef } from '../sql/identifiers.js';
import { sql, tableSql, type SQL } from '../sql/build.js';
import type { FaultInfo } from '../results/fault.js';
import type { CountResult, CountScan, ExecutionContext } from './types.js';

/** The name every count-scanning kind gives the count of rows in its scope. */
const SCOPE_COUNT = 'rows';

/** One scope of a check: what it reads, its filter (`true` or none: every row), and the rows it held. */
export interface Scope { source: string; table: TableRef; filter: SQL | true | undefined; rows: number | undefined }

/**
 * `never_fails` when every scope came back empty under a filter the server's plan shows no row can
 * meet; undefined otherwise (a scope with rows, one with no filter, or a plan that depends on the
 * data: then some data could be in scope and the check could fail). Faults while asking are thrown
 * (could not verify).
 */
export async function emptyScopesNeverFail(scopes: readonly Scope[], ctx: Pick<ExecutionContext, 'query'>): Promise<FaultInfo | undefined> {
  if (scopes.length === 0 || scopes.some(({ filter, rows }) => filter === undefined || filter === true || rows !== 0)) return undefined;
  for (const { source, table, filter } of scopes) {
    const [row] = await ctx.query<Record<string, unknown>>(source, explainSql(sql`select 1 from ${tableSql(table)} where ${filter as SQL}`));
    // The plan's conditions are judged with the parser (loaded once per process).
    await loadSqlParser();
    if ((await judgePlan(planOfRow(row), source, ctx)) !== 'no rows') return undefined;
  }
  const tables = [...new Set(scopes.map(({ table }) => formatTableRef(table)))].join(' and ');
  return {
    code: 'never_fails',
    message: `the server's plan shows no row of ${tables} can ever be in the check's scope (its filter is false whatever the table holds: a contradiction or a comparison of constants the server sees through), and with min_rows: 0 the empty scope passed, so the check could never fail; filter on what the data decides, or drop min_rows: 0`,
  };
}

/** emptyScopesNeverFail over count scans and their answers: each scan's `rows` count is its scope. */
export function countScopes(scans: readonly CountScan[], counts: readonly CountResult[]): Scope[] {
  return scans.map((scan, i) => ({ source: scan.source, table: scan.table, filter: scan.counts[SCOPE_COUNT], rows: counts[i]?.[SCOPE_COUNT] }));
}
