/**
 * Normalisers make old and new values comparable (`trim`, `lower`, `numeric_scale: 2`, …). Each has
 * a SQL form, used when the database compares (column_parity, table_diff), and a JS form, used when
 * parity compares values read from two places (shadow_read). Both are defined here, side by side,
 * so they cannot drift apart; a property test checks that they agree.
 */
import { z } from 'zod';
import { sql, type SQL } from '../sql/build.js';

/** The whitespace set trim/collapse_whitespace act on: space, \t, \n, \r, \v, \f and no-break space. */
export const WHITESPACE_CHARACTERS = ' \t\n\r\u000b\u000c\u00a0';
const WHITESPACE_RUN_SQL_PATTERN = `[${WHITESPACE_CHARACTERS}]+`;
const WHITESPACE_RUN_JS = new RegExp(`[${WHITESPACE_CHARACTERS}]+`, 'g');
const WHITESPACE_EDGES_JS = new RegExp(`^[${WHITESPACE_CHARACTERS}]+|[${WHITESPACE_CHARACTERS}]+$`, 'g');

const timestampPrecisions = ['s', 'ms', 'us'] as const;

export const normalizerSchema = z.union([
  z.enum(['trim', 'collapse_whitespace', 'lower', 'upper', 'empty_as_null']),
  z.strictObject({ numeric_scale: z.number().int().min(0).max(30) }),
  z.strictObject({ timestamp_precision: z.enum(timestampPrecisions) }),
  z.strictObject({ time_zone: z.string().min(1).max(64).regex(/^[A-Za-z0-9_+\-/:]+$/, 'must be an IANA time zone name such as UTC or Europe/Berlin') }),
]);
export type Normalizer = z.infer<typeof normalizerSchema>;

/** Wraps a SQL value expression in the given normalisers, applied in order. */
export function normalizeSql(value: SQL, normalizers: readonly Normalizer[]): SQL {
  let out = value;
  for (const n of normalizers) {
    if (n === 'trim') out = sql`btrim((${out})::text, ${WHITESPACE_CHARACTERS})`;
    else if (n === 'collapse_whitespace') out = sql`regexp_replace((${out})::text, ${WHITESPACE_RUN_SQL_PATTERN}, ' ', 'g')`;
    else if (n === 'lower') out = sql`lower((${out})::text)`;
    else if (n === 'upper') out = sql`upper((${out})::text)`;
    else if (n === 'empty_as_null') out = sql`nullif((${out})::text, '')`;
    else if ('numeric_scale' in n) out = sql`round((${out})::numeric, ${sql.raw(String(n.numeric_scale))})`;
    else if ('timestamp_precision' in n) out = sql`date_trunc(${precisionField(n.timestamp_precision)}, (${out})::timestamptz)`;
    else out = sql`timezone(${n.time_zone}, (${out})::timestamptz)`;
  }
  return out;
}

function precisionField(p: (typeof timestampPrecisions)[number]): string {
  return p === 's' ? 'second' : p === 'ms' ? 'milliseconds' : 'microseconds';
}

/** Applies the normalisers to a JS value read from a database or an HTTP endpoint. */
export function normalizeValue(value: unknown, normalizers: readonly Normalizer[]): unknown {
  let out = value;
  for (const n of normalizers) {
    if (out === null || out === undefined) return null;
    if (n === 'trim') out = textOf(out).replace(WHITESPACE_EDGES_JS, '');
    else if (n === 'collapse_whitespace') out = textOf(out).replace(WHITESPACE_RUN_JS, ' ');
    else if (n === 'lower') out = textOf(out).toLowerCase();
    else if (n === 'upper') out = textOf(out).toUpperCase();
    else if (n === 'empty_as_null') out = textOf(out) === '' ? null : textOf(out);
    else if ('numeric_scale' in n) out = roundDecimal(textOf(out), n.numeric_scale);
    else if ('timestamp_precision' in n) out = truncateTimestamp(out, n.timestamp_precision);
    else out = wallClockIn(out, n.time_zone);
  }
  return out;
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * Rounds a decimal string half away from zero, as Postgres round(numeric, n) does, without going
 * through binary floating point (0.285 must round to 0.29, not 0.28).
 */
export function roundDecimal(text: string, scale: number): string | null {
  const match = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!match || (match[2] === '' && (match[3] ?? '') === '')) return null;
  const negative = match[1] === '-';
  let digits = (match[2] ?? '') + (match[3] ?? '');
  let pointAt = (match[2] ?? '').length + Number(match[4] ?? 0);
  if (pointAt < 0) { digits = '0'.repeat(-pointAt) + digits; pointAt = 0; }
  if (pointAt > digits.length) digits = digits + '0'.repeat(pointAt - digits.length);
  const keep = pointAt + scale;
  let kept = digits.slice(0, keep).padEnd(keep, '0');
  const roundUp = (digits[keep] ?? '0') >= '5';
  if (roundUp) kept = incrementDigits(kept);
  const intLength = kept.length - scale;
  const intPart = kept.slice(0, intLength).replace(/^0+(?=\d)/, '') || '0';
  const fracPart = kept.slice(intLength);
  const isZero = /^0*$/.test(intPart + fracPart);
  return `${negative && !isZero ? '-' : ''}${intPart}${scale > 0 ? `.${fracPart}` : ''}`;
}

function incrementDigits(digits: string): string {
  const chars = digits.split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    if (chars[i] === '9') { chars[i] = '0'; continue; }
    chars[i] = String(Number(chars[i]) + 1);
    return chars.join('');
  }
  return '1' + chars.join('');
}

function toDate(value: unknown): Date | null {
  const date = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(date.getTime()) ? null : date;
}

function truncateTimestamp(value: unknown, precision: (typeof timestampPrecisions)[number]): string | null {
  const date = toDate(value);
  if (!date) return null;
  // JS dates carry milliseconds at most, so 'ms' and 'us' both keep what there is.
  if (precision === 's') date.setUTCMilliseconds(0);
  return date.toISOString();
}

function wallClockIn(value: unknown, timeZone: string): string | null {
  const date = toDate(value);
  if (!date) return null;
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3,
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}.${get('fractionalSecond')}`;
}
