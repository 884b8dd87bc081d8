/**
 * How a backfill is getting on, read from the history of a `null_check` over it: the rows still to
 * fill (its rows_with_nulls) over time give the share done, rows filled per minute and the time
 * left. Pure; the same figures feed the metrics, the status page and the ParityBackfillStalled alert.
 */

/** The parts of a finished result a backfill sample reads. */
export interface BackfillResultFacts { kind: string; status: string; definitionHash: string; finishedAt: Date; observations: Record<string, unknown> }

/** One finished null_check result: rows in scope and rows still to backfill, at the moment it finished. */
export interface BackfillSample { at: Date; remaining: number; inScope: number; definitionHash: string }

export interface BackfillProgress {
  remaining: number;
  inScope: number;
  /** Share of the scope filled, 0 to 1. */
  progressRatio: number;
  /** Rows filled per minute between the reference result and the newest (negative: the remaining count grew); null with one result. */
  rowsPerMinute: number | null;
  /** Seconds left at that rate; 0 when done; null when the count is not falling (or only one result is known). */
  etaSeconds: number | null;
  /** When the newest result finished. */
  at: Date;
  /** The result the rate is measured from. */
  since: Date | null;
}

/** The rate is measured over at least this span where the history reaches back that far. */
export const BACKFILL_RATE_WINDOW_MS = 15 * 60_000;

/** Samples kept per check: enough for the rate window at any sane schedule. */
export const BACKFILL_SAMPLES_KEPT = 100;

const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined);

/** The sample in a finished result: only a null_check that verified (pass or fail) says how many rows remain. */
export function backfillSample(result: BackfillResultFacts): BackfillSample | undefined {
  if (result.kind !== 'null_check' || (result.status !== 'pass' && result.status !== 'fail')) return undefined;
  const remaining = count(result.observations.rows_with_nulls);
  const inScope = count(result.observations.rows);
  if (remaining === undefined || inScope === undefined) return undefined;
  return { at: result.finishedAt, remaining, inScope, definitionHash: result.definitionHash };
}

/**
 * Adds a sample to a history kept oldest first. A changed definition measures another scope, so
 * its history starts over; older samples than the newest are dropped beyond the limit.
 */
export function appendBackfillSample(history: readonly BackfillSample[], sample: BackfillSample): BackfillSample[] {
  const last = history.at(-1);
  if (last && last.at.getTime() > sample.at.getTime()) return [...history];
  const same = last && last.definitionHash !== sample.definitionHash ? [] : history;
  return [...same, sample].slice(-BACKFILL_SAMPLES_KEPT);
}

/**
 * Progress from a history (oldest first). The rate compares the newest result with the newest one
 * at least BACKFILL_RATE_WINDOW_MS older (else the oldest known), so a check run every minute is
 * not judged on one noisy step and one run hourly is still judged on its previous run.
 */
export function backfillProgress(history: readonly BackfillSample[]): BackfillProgress | undefined {
  const latest = history.at(-1);
  if (!latest) return undefined;
  const progressRatio = latest.inScope > 0 ? Math.min(1, Math.max(0, (latest.inScope - latest.remaining) / latest.inScope)) : 1;
  const cutoff = latest.at.getTime() - BACKFILL_RATE_WINDOW_MS;
  const earlier = history.slice(0, -1).filter((s) => s.at.getTime() < latest.at.getTime());
  const reference = [...earlier].reverse().find((s) => s.at.getTime() <= cutoff) ?? earlier[0];
  const minutes = reference ? (latest.at.getTime() - reference.at.getTime()) / 60_000 : 0;
  const rowsPerMinute = reference && minutes > 0 ? (reference.remaining - latest.remaining) / minutes : null;
  const etaSeconds = latest.remaining === 0 ? 0 : rowsPerMinute !== null && rowsPerMinute > 0 ? (latest.remaining / rowsPerMinute) * 60 : null;
  return { remaining: latest.remaining, inScope: latest.inScope, progressRatio, rowsPerMinute, etaSeconds, at: latest.at, since: reference?.at ?? null };
}

/** Progress of a check from its stored results, newest first as the store returns them. */
export function backfillFromResults(newestFirst: readonly BackfillResultFacts[]): BackfillProgress | undefined {
  let history: BackfillSample[] = [];
  for (let i = newestFirst.length - 1; i >= 0; i--) {
    const sample = backfillSample(newestFirst[i]!);
    if (sample) history = appendBackfillSample(history, sample);
  }
  return backfillProgress(history);
}
