/**
 * `incremental:` on a count check: after a full pass, a run re-reads only rows whose `column` is at
 * or after the last pass's watermark minus `overlap`; a full pass runs again every `full_every`.
 * Sound only for zero-tolerance thresholds (counts over changed rows alone cannot judge a total
 * limit) and only when `column` is maintained on every write (checked in the catalog at run time,
 * see runner/incremental.ts). Pure vocabulary.
 */
import { z } from 'zod';
import { columnNameSchema, durationSchema } from './common.js';
import { MAX_EVIDENCE_AGE_MS } from './duration.js';
import { incrementalExpressionProblems } from './expression.js';

export const incrementalSchema = z.strictObject({
  /** A timestamptz column a BEFORE INSERT/UPDATE trigger sets on every write (e.g. updated_at). */
  column: columnNameSchema,
  /** How far before the last watermark a run re-reads: must exceed the longest write transaction. */
  overlap: durationSchema.refine((ms) => ms >= 0, { message: 'must be 0 or more' }),
  /** A full pass runs again once the last one is older than this (by the verified server's clock). */
  full_every: durationSchema.refine((ms) => ms >= 1_000 && ms <= MAX_EVIDENCE_AGE_MS, { message: 'must be from 1s to 366d: without a full pass at least yearly, a row an incremental pass missed is never read again (a bare number is milliseconds)' }),
  /** Run incrementally although the catalog shows no trigger maintaining `column` (the result states the assumption). */
  trust_column: z.boolean().default(false),
});
export type IncrementalSpec = z.output<typeof incrementalSchema>;

/**
 * Why a check's thresholds rule incremental mode out (undefined: they allow it). Only "no
 * offending row at all" survives restriction to the changed rows: a count limit or a ratio is a
 * statement about the whole table, which an incremental pass never sees.
 */
export function incrementalThresholdProblem(limits: { max?: number | undefined; ratio?: number | undefined }, maxName: string, ratioName: string): string | undefined {
  if (limits.ratio !== undefined) return `incremental runs judge only changed rows, so they cannot judge ${ratioName}; remove ${ratioName} or incremental`;
  if ((limits.max ?? 0) !== 0) return `incremental runs judge only changed rows, so they cannot judge ${maxName}: ${limits.max} (a total over the whole table); use 0 or remove incremental`;
  return undefined;
}

/**
 * Issues for every expression of an incremental check that reads more than its row: a row whose
 * value or scope changes with the clock or with other data changes without a write, and no
 * incremental pass re-reads it (checks.md, "Incremental verification"). `fields` maps each spec key
 * to its expression text.
 */
export function addRowLocalIssues(ctx: z.RefinementCtx, fields: Record<string, string | undefined>): void {
  for (const [key, text] of Object.entries(fields)) {
    if (text === undefined) continue;
    for (const problem of incrementalExpressionProblems(text)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `SQL expression ${problem.message}`, ...(problem.offset === undefined ? {} : { params: { offset: problem.offset } }) });
    }
  }
}
