/**
 * The one-line progress display `parity run` redraws on a TTY. Pure: the event (with the rate and
 * time left the runner computed on its clock) and the width come in; the CLI owns the terminal
 * (carriage return, clearing, when to redraw).
 */
import type { ProgressEvent } from '../runner/runner.js';

export interface ProgressLineOptions {
  /** Terminal columns; the line never exceeds it. Default 80. */
  width?: number;
}

const BAR_WIDTH = 20;
const grouped = new Intl.NumberFormat('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

function compact(n: number): string {
  if (n < 10_000) return grouped.format(Math.round(n));
  const units: [number, string][] = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  const [size, suffix] = units.find(([s]) => n >= s)!;
  return `${(n / size).toFixed(n / size < 100 ? 1 : 0)}${suffix}`;
}

/**
 * "users-name-parity  [#########-----------]  45%  45,000 / 100,000 rows  12.3k rows/s  ~4s left".
 * Without an estimate (pg_class.reltuples unknown) it shows rows scanned only; the estimate is only
 * an estimate, so the percentage is capped at 99% until the check reports that it finished.
 */
export function progressLine(event: ProgressEvent, options: ProgressLineOptions = {}): string {
  const width = Math.max(10, options.width ?? 80);
  const scanned = Math.max(0, event.rowsScanned);
  const parts = [event.checkId];
  const total = event.rowsEstimated !== undefined && event.rowsEstimated > 0 ? event.rowsEstimated : undefined;
  if (total !== undefined) {
    const fraction = Math.min(scanned / total, 0.99);
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`, `${String(Math.floor(fraction * 100)).padStart(3)}%`);
    parts.push(`${grouped.format(scanned)} / ${grouped.format(Math.round(total))} rows`);
  } else {
    parts.push(`${grouped.format(scanned)} rows scanned`);
  }
  if (event.rowsPerSecond !== null && scanned > 0) {
    parts.push(`${compact(event.rowsPerSecond)} rows/s`);
    if (event.etaSeconds !== null) parts.push(`~${duration(event.etaSeconds)} left`);
  } else {
    parts.push(duration((event.at.getTime() - event.startedAt.getTime()) / 1000));
  }
  const line = parts.join('  ');
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}
