/**
 * Rate and time left of a long run (a chunked scan, a table_diff pass, shadow_read batches), from
 * rows done, the planner's estimate and the one clock. Pure: the runner passes the moments in.
 */
import type { FinalProgress } from '../results/read-evidence.js';

/** Where a check's reading stands. */
export interface ProgressFigures {
  rowsDone: number;
  /** The planner's estimate of the total (pg_class.reltuples), or the sample size; null when unknown. */
  rowsEstimated: number | null;
  /** Rows per second since the check began reading; null before anything was read. */
  rowsPerSecond: number | null;
  /** Seconds left at that rate; null without an estimate, a rate, or once the estimate is passed (the estimate was low). */
  etaSeconds: number | null;
  elapsedSeconds: number;
}

/** Rate over the whole reading so far (steady chunked scans make it the honest figure) and the time left. */
export function progressFigures(input: { rowsDone: number; rowsEstimated?: number | undefined; startedAt: Date; now: Date }): ProgressFigures {
  const rowsDone = Number.isFinite(input.rowsDone) && input.rowsDone > 0 ? input.rowsDone : 0;
  const rowsEstimated = input.rowsEstimated !== undefined && Number.isFinite(input.rowsEstimated) && input.rowsEstimated > 0 ? input.rowsEstimated : null;
  const elapsedSeconds = Math.max(0, (input.now.getTime() - input.startedAt.getTime()) / 1000);
  const rowsPerSecond = elapsedSeconds > 0 && rowsDone > 0 ? rowsDone / elapsedSeconds : null;
  const etaSeconds = rowsEstimated !== null && rowsPerSecond !== null && rowsEstimated > rowsDone ? (rowsEstimated - rowsDone) / rowsPerSecond : null;
  return { rowsDone, rowsEstimated, rowsPerSecond, etaSeconds, elapsedSeconds };
}

/** A check's last progress report as its result keeps it (observations.progress): the figures outlive the run. */
export function finalProgress(event: { rowsScanned: number; rowsEstimated?: number | undefined; rowsPerSecond: number | null; etaSeconds: number | null; startedAt: Date; at: Date }): FinalProgress {
  return {
    rows_scanned: event.rowsScanned,
    rows_estimated: event.rowsEstimated ?? null,
    rows_per_second: event.rowsPerSecond,
    eta_seconds: event.etaSeconds,
    elapsed_seconds: Math.max(0, (event.at.getTime() - event.startedAt.getTime()) / 1000),
    at: event.at.toISOString(),
  };
}
