/**
 * The one-line progress display `parity run` redraws on a TTY. Pure: the event (with the rate and
 * time left the runner computed on its clock) and the width come in; the CLI owns the terminal
 * (carriage return, clearing, when to redraw).
 */
import type { ProgressEvent } from '../runner/run-types.js';

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

/** Where a run stands, for the periodic progress line of a non-interactive run. */
export interface RunProgress {
  elapsedMs: number;
  /** Checks the run will verify, when known up front. */
  total?: number | undefined;
  finished: Record<string, number>;
  running: { checkId: string; startedAt: Date; latest?: ProgressEvent | undefined }[];
  now: Date;
}

/**
 * "parity: 2m05s · 3 of 8 checks done (2 pass, 1 fail) · running: users-name-parity  [###---…]  45%  …".
 * One self-contained line per interval, so a CI log shows a long run is alive and how far it is.
 */
export function progressSummary(p: RunProgress): string {
  const done = Object.values(p.finished).reduce((a, b) => a + b, 0);
  const counts = Object.entries(p.finished).filter(([, n]) => n > 0).map(([status, n]) => `${n} ${status}`).join(', ');
  const parts = [
    `parity: ${duration(p.elapsedMs / 1000)}`,
    `${p.total === undefined ? done : `${done} of ${p.total}`} check${(p.total ?? done) === 1 ? '' : 's'} done${counts ? ` (${counts})` : ''}`,
  ];
  if (p.running.length > 0) {
    const running = p.running.map((r) => (r.latest
      ? progressLine(r.latest, { width: 200 })
      : `${r.checkId}  verifying, ${duration((p.now.getTime() - r.startedAt.getTime()) / 1000)}`));
    parts.push(`running: ${running.join('; ')}`);
  }
  return parts.join(' · ');
}
