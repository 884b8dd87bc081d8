/**
 * The live progress line of `parity run` on a terminal: one line, redrawn in place, showing the
 * check being verified and (for chunked scans, table_diff passes and shadow_read batches) rows
 * done against the planner's estimate, the rate and the time left. Nothing is drawn when stdout is not a TTY, so pipes and CI logs stay clean.
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
      checkStarted: ({ check }) => draw(`${check.spec.id}  verifying…`, true),
      progress: (event) => draw(progressLine(event, { width: stream.columns ?? 80 })),
      checkFinished: ({ check, result }) => draw(`${check.spec.id}  ${result.status}`, true),
    },
    clear() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}
