/**
 * Progress of `parity run` (and `parity gate --refresh`). On a terminal: one line, redrawn in place,
 * showing the check being verified and (for chunked scans, table_diff passes and shadow_read
 * batches) rows done against the planner's estimate, the rate and the time left. Elsewhere (CI
 * logs, pipes): a plain line on stderr every N seconds, so a long run is visibly alive without
 * drowning the log.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Clock } from '../runner/clock.js';
import type { ProgressEvent, RunObserver } from '../runner/run-types.js';
import { progressLine, progressSummary } from './progress-line.js';

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

/** Default seconds between progress lines when stdout is not a terminal. */
export const DEFAULT_PROGRESS_INTERVAL_S = 30;

/** Adds --progress-interval to a command that runs checks. */
export function withProgressOption(command: Command): Command {
  return command.option(
    '--progress-interval <seconds>',
    `when not on a terminal, print a progress line to stderr every N seconds; 0 turns it off (default ${DEFAULT_PROGRESS_INTERVAL_S})`,
    parseInterval,
  );
}

function parseInterval(text: string): number {
  const seconds = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || seconds > 86_400) throw new InvalidArgumentError('must be a number of seconds from 0 to 86400');
  return seconds;
}

export interface ProgressLog {
  observer: RunObserver;
  /** Stops the timer; call when the run is over. */
  stop(): void;
}

/**
 * A run observer for CI logs and pipes: every `intervalMs` it writes one line saying how long the
 * run has taken, how many checks are done and what is running (rows scanned against the estimate).
 * Lines go to `stream` (stderr), so the report and --json on stdout stay clean. Nothing is written
 * for runs shorter than one interval.
 */
export function createProgressLog(stream: NodeJS.WritableStream, options: { intervalMs: number; clock: Clock; total?: number | undefined }): ProgressLog {
  const { clock, total } = options;
  const began = clock.now();
  const finished: Record<string, number> = {};
  const running = new Map<string, { checkId: string; startedAt: Date; latest?: ProgressEvent }>();
  const timer = clock.every(options.intervalMs, () => {
    const now = clock.now();
    stream.write(`${progressSummary({ elapsedMs: now.getTime() - began.getTime(), total, finished, running: [...running.values()], now })}\n`);
  });
  return {
    observer: {
      checkStarted: ({ check }) => { running.set(check.spec.id, { checkId: check.spec.id, startedAt: clock.now() }); },
      progress: (event) => {
        const entry = running.get(event.checkId);
        if (entry) entry.latest = event;
      },
      checkFinished: ({ check, result }) => {
        running.delete(check.spec.id);
        finished[result.status] = (finished[result.status] ?? 0) + 1;
      },
    },
    stop: () => timer.cancel(),
  };
}
