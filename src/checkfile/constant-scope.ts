/**
 * A `where` that names no column (`false`, `1 = 0`, `null`, `(select false)`) selects every row
 * or none, whatever the table holds, and so does one that folds to one truth value whatever its
 * columns hold (`false and status = 'x'`, `status = 'x' and null`, `not (id is distinct from id)`).
 * Beside `min_rows: 0` a never-true one makes the scope certainly empty, and an empty allowed scope
 * passes (0 = 0 rows, all 0 rows filled): a check that can never fail. With `min_rows` 1 or more
 * the run finds the empty scope itself (scope_too_small).
 */
import type { z } from 'zod';
import { expressionReadsNoData } from '../sql/data-free.js';
import { expressionTruth, T } from '../sql/fixed-answers.js';

/** Whether a filter keeps every row or none whatever the data: it names no column, or it folds to one truth value. */
function selectsAllOrNone(text: string): boolean {
  if (expressionReadsNoData(text)) return true;
  const truth = expressionTruth(text);
  return truth === T || !(truth & T);
}

/** Adds an issue at each `where` (path → text) that selects every row or none, when `min_rows` is 0. */
export function addConstantScopeIssues(ctx: z.RefinementCtx, minRows: number, wheres: [path: (string | number)[], text: string | undefined][]): void {
  if (minRows > 0) return;
  for (const [path, text] of wheres) {
    if (text === undefined || !selectsAllOrNone(text)) continue;
    ctx.addIssue({ code: 'custom', path, message: 'names no column, or is true on every row or on none whatever its columns hold, so it selects every row or none whatever the table holds; with min_rows: 0 a scope it leaves empty passes, so the check could never fail — filter on a column, or drop min_rows: 0' });
  }
}
