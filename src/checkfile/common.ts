/** Building blocks shared by every check kind's schema: ids, table references, expressions, durations. */
import { z } from 'zod';
import { parseColumnName, parseTableRef, type TableRef } from '../sql/identifiers.js';
import { expressionProblems, queryProblems, withoutTrailingSemicolon, type SqlProblem } from './expression.js';
import { parseDuration } from './duration.js';

export const idSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, 'must be lower-case letters, digits, ".", "_" or "-" (at most 128, starting with a letter or digit)');

export const sourceNameSchema = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/, 'must be a source name: letters, digits, "_" or "-"');

export const tableRefSchema = z.string().transform((text, ctx): TableRef => {
  const parsed = parseTableRef(text);
  if ('error' in parsed) {
    ctx.addIssue({ code: 'custom', message: `table name "${text}" ${parsed.error}` });
    return z.NEVER;
  }
  return parsed;
});

export const columnNameSchema = z.string().transform((text, ctx): string => {
  const parsed = parseColumnName(text);
  if (typeof parsed !== 'string') {
    ctx.addIssue({ code: 'custom', message: `column name "${text}" ${parsed.error}` });
    return z.NEVER;
  }
  return parsed;
});

/** Reports each parser refusal as an issue; `params.offset` lets the loader point at the character. */
function addSqlIssues(ctx: z.RefinementCtx, what: string, problems: SqlProblem[]): void {
  for (const problem of problems) {
    ctx.addIssue({ code: 'custom', message: `${what} ${problem.message}`, ...(problem.offset === undefined ? {} : { params: { offset: problem.offset } }) });
  }
}

/** An SQL expression written by the operator: one expression, read-only, judged by the Postgres parser. */
export const expressionSchema = z.string().superRefine((text, ctx) => addSqlIssues(ctx, 'SQL expression', expressionProblems(text)));

/** A whole SELECT statement written by the operator (sql_assert): one read-only statement. */
export const querySchema = z.string().transform((text, ctx): string => {
  const problems = queryProblems(text);
  if (problems.length > 0) {
    addSqlIssues(ctx, 'SQL query', problems);
    return z.NEVER;
  }
  return withoutTrailingSemicolon(text);
});

/** A shadow_read query over the sampled keys: like querySchema, with `$keys` / `$keys.<column>` allowed. */
export const keyedQuerySchema = z.string().transform((text, ctx): string => {
  const problems = queryProblems(text, true);
  if (problems.length > 0) {
    addSqlIssues(ctx, 'SQL query', problems);
    return z.NEVER;
  }
  return withoutTrailingSemicolon(text);
});

export const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx): number => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration; write e.g. 500ms, 30s, 15m, 1h` });
    return z.NEVER;
  }
  return ms;
});

/** The largest statement or lock timeout Postgres accepts (int4 milliseconds, about 24.8 days). */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * A timeout handed to Postgres: whole milliseconds, at least 1. Postgres reads 0 as "no limit",
 * so `timeout: 0` (or 0.4, which it rounds to 0) would silently switch the protection off.
 */
export const timeoutSchema = durationSchema.refine((ms) => Number.isInteger(ms) && ms >= 1 && ms <= MAX_TIMEOUT_MS, {
  message: 'must be a whole number of milliseconds from 1ms to 24d; 0 would switch the limit off',
});

/**
 * A share of rows a check may let through: at least 0 and below 1. A ratio of 1 (100%) accepts a
 * table that is entirely wrong or empty, which is never a check.
 */
export const ratioSchema = z
  .number()
  .min(0, 'must be at least 0')
  .lt(1, 'must be below 1; a ratio of 1 (100%) or more accepts anything');

export const keyColumnsSchema = z.array(columnNameSchema).min(1, 'needs at least one key column').max(8);

/** Fields every check has, whatever its kind. */
export const baseCheckShape = {
  id: idSchema,
  description: z.string().max(2000).optional(),
  tags: z.array(z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'tags are short words: letters, digits, ".", "_", ":" or "-"')).max(32).default([]),
  /** Overrides the source's statement_timeout for this check. */
  timeout: timeoutSchema.optional(),
  /** Cron expression; when present the scheduler runs the check on it. Validated by the scheduler. */
  schedule: z.string().min(1).max(200).optional(),
  time_zone: z.string().min(1).max(64).optional(),
};

/**
 * The fewest rows a check's scope must hold before it may pass (default 1): a `where` with a typo
 * that matches nothing is "could not verify", never a vacuous pass. `min_rows: 0` opts out
 * explicitly, for a table that may legitimately be empty.
 */
export const minRowsSchema = z.number().int().min(0).default(1);
