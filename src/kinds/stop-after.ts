/**
 * `stop_after`: when a chunked scan may end early. For a check that fails once more than `max`
 * rows offend, a scan that has already counted `stop_after` (> max) offending rows has proven the
 * failure — counts only grow — so reading on would only make the number bigger. A ratio threshold
 * can still pass however many offending rows were seen (more rows dilute them), so it never stops.
 */
import { z } from 'zod';
import type { StopRule } from './types.js';

/** A number of offending rows, or `false` to always read the whole table. */
export const stopAfterSchema = z.union([z.number().int().min(1), z.literal(false)]).optional();

interface Thresholds {
  stop_after?: number | false | undefined;
  /** The most offending rows the check accepts (undefined: 0). */
  max?: number | undefined;
  /** Set when the check judges a ratio instead. */
  ratio?: number | undefined;
  /** Samples the check reports: by default the scan reads on until it has that many to show. */
  sample: number;
}

/** Why a stop_after setting is refused (pure), or undefined when it is sound. */
export function stopAfterProblem(t: Thresholds, maxKey: string, ratioKey: string): string | undefined {
  if (t.stop_after === undefined || t.stop_after === false) return undefined;
  if (t.ratio !== undefined) return `stop_after cannot be combined with ${ratioKey}: a ratio can still pass however many offending rows were seen, until every row is counted`;
  if (t.stop_after <= (t.max ?? 0)) return `stop_after must be more than ${maxKey} (${t.max ?? 0}): stopping at ${t.stop_after} offending rows must already prove the check fails`;
  return undefined;
}

/**
 * The scan's stop rule: `stop_after`, or by default once the threshold is exceeded and the sample
 * is full; none for a ratio or `stop_after: false`.
 */
export function stopRuleFor(count: string, t: Thresholds): StopRule | undefined {
  if (t.stop_after === false || t.ratio !== undefined) return undefined;
  const atLeast = t.stop_after ?? Math.max((t.max ?? 0) + 1, t.sample);
  // Belt and braces: a rule that could stop before the threshold is exceeded is never handed out.
  return atLeast > (t.max ?? 0) ? { count, atLeast } : undefined;
}
