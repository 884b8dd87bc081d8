/** Durations in check files: "500ms", "30s", "15m", "1h", "2d" or a bare number of milliseconds. */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** Parses a duration into milliseconds, or returns undefined when the text is not one. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const match = DURATION_PATTERN.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] as keyof typeof UNIT_MS;
  const ms = Math.round(amount * UNIT_MS[unit]);
  // Enough digits make Infinity: a duration no clock reaches, so every age would be within it.
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * The oldest evidence parity accepts, and so the longest any age limit may be: a reading a year
 * old says nothing about the data now, and anything longer is a slip (a bare number is
 * milliseconds) that lets any reading count — a phase's max_age, how old a resumed scan's first
 * chunks may be, how long an incremental check may go without a full pass, how far behind a standby may be.
 */
export const MAX_EVIDENCE_AGE_MS = 366 * 86_400_000;

/** Formats milliseconds the way a person would write them in a check file. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1_000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
