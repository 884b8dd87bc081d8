/**
 * A `where` that names no column (`false`, `1 = 0`, `null`, `(select false)`) selects every row
 * or none, whatever the table holds. Beside `min_rows: 0` a constant-false one makes the scope
 * certainly empty, and an empty allowed scope passes (0 = 0 rows, all 0 rows filled): a check that
 * can never fail. With `min_rows` 1 or more the run finds the empty scope itself (scope_too_small).
 */
import type { z } from 'zod';
import { expressionReadsNoData } from '../sql/data-free.js';

/** Adds an issue at each `where` (path → text) that names no column, when `min_rows` is 0. */
export function addConstantScopeIssues(ctx: z.RefinementCtx, minRows: number, wheres: [path: (string | number)[], text: string | undefined][]): void {
  if (minRows > 0) return;
  for (const [path, text] of wheres) {
    if (text === undefined || !expressionReadsNoData(text)) continue;
    ctx.addIssue({ code: 'custom', path, message: 'names no column, so it selects every row or none whatever the table holds; with min_rows: 0 a scope it leaves empty passes, so the check could never fail — filter on a column, or drop min_rows: 0' });
  }
}
