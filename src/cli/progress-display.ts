/**
 * The live progress line of `parity run` on a terminal: one line, redrawn in place, showing the
 * check being verified and (for chunked scans, or when a scan finishes) rows scanned against the
 * planner's estimate. Nothing is drawn when stdout is not a TTY, so pipes and CI logs stay clean.
 */
import type { RunObserver } from '../runner/runner.js';
import { progressLine } from './progress-line.js';

export interface ProgressDisplay {
  observer: RunObserver;
  /** Clears the line before the final report is printed. */
  clear(): void;
}

/** A run observer drawing progress on `stream` (a TTY), at most every `intervalMs`. */
export function createProgressDisplay(stream: NodeJS.WritableStream & { columns?: number }, intervalMs = 100): ProgressDisplay {
  const startedAt = new Map<string, Date>();
  let drawn = false;
  let lastDraw = 0;
  const draw = (line: string, force = false) => {
    const now = Date.now();
    if (!force && now - lastDraw < intervalMs) return;
    lastDraw = now;
    const width = stream.columns ?? 80;
    stream.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
    drawn = true;
  };
  return {
    observer: {
      checkStarted: ({ check }) => {
        startedAt.set(check.spec.id, new Date());
        draw(`${check.spec.id}  verifying…`, true);
      },
      progress: (event) => draw(progressLine(event, { width: stream.columns ?? 80, startedAt: startedAt.get(event.checkId) ?? event.at })),
      checkFinished: ({ check, result }) => draw(`${check.spec.id}  ${result.status}`, true),
    },
    clear() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
