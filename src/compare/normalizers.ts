/**
 * Normalisers make old and new values comparable (`trim`, `lower`, `numeric_scale: 2`, …). Each has
 * a SQL form, used when the database compares (column_parity, table_diff), and a JS form, used when
 * parity compares values read from two places (shadow_read). Both are defined here, side by side,
 * so they cannot drift apart; a property test checks that they agree.
 */
import { z } from 'zod';
import { sql, type SQL } from '../sql/build.js';
import { isKnownTimeZone, normalizeTimestampSql, normalizeTimestampText } from './timestamp-text.js';
import { unparseable, unparseableSql } from './unparseable.js';

/** The whitespace set trim/collapse_whitespace act on: space, \t, \n, \r, \v, \f and no-break space. */
export const WHITESPACE_CHARACTERS = ' \t\n\r\u000b\u000c\u00a0';
/** The set without its one non-ASCII character, for a SQL_ASCII server (asciiOnlySql). */
const ASCII_WHITESPACE_CHARACTERS = WHITESPACE_CHARACTERS.replace('\u00a0', '');
const WHITESPACE_RUN_JS = new RegExp(`[${WHITESPACE_CHARACTERS}]+`, 'g');
const WHITESPACE_EDGES_JS = new RegExp(`^[${WHITESPACE_CHARACTERS}]+|[${WHITESPACE_CHARACTERS}]+$`, 'g');

export const normalizerSchema = z.union([
  z.enum(['trim', 'collapse_whitespace', 'lower', 'upper', 'empty_as_null']),
  z.strictObject({ numeric_scale: z.number().int().min(0).max(30) }),
  z.strictObject({ timestamp_precision: z.enum(['s', 'ms', 'us']) }),
  z.strictObject({ time_zone: z.string().min(1).max(64).refine(isKnownTimeZone, 'must be UTC or an IANA Area/Location time zone name such as Europe/Berlin') }),
]);
export type Normalizer = z.infer<typeof normalizerSchema>;

/** Whether the normaliser parses its input (numbers, timestamps) rather than editing text. */
export function isParsingNormalizer(n: Normalizer): boolean {
  return typeof n !== 'string';
}

/** Whether the normaliser edits text as text (case, whitespace), whatever the text is of. */
export function isTextEditingNormalizer(n: Normalizer): boolean {
  return n === 'trim' || n === 'collapse_whitespace' || n === 'lower' || n === 'upper';
}

/**
 * Names a value once for a normaliser that refers to it several times: a scalar subquery fenced
 * with OFFSET 0, so the planner neither repeats the input expression nor constant-folds a branch
 * that must not run. Without it a chain of such normalisers would grow exponentially.
 */
function bindText(value: SQL, body: (v: SQL) => SQL): SQL {
  return sql`(select ${body(sql.raw('b.v'))} from (select (${value})::text as v offset 0) as b)`;
}

/**
 * The whitespace set as the server reads it, decided once per statement (an InitPlan): a SQL_ASCII
 * database reads text byte by byte, so the no-break space bound as UTF-8 is the two bytes C2 and
 * A0, each matched alone — the lead byte of © (C2 A9) became whitespace, and 'x©' collapsed to the
 * bytes 'x ©' does. There the set is ASCII only: the bytes of a multi-byte character are never
 * whitespace, and U+00A0 is not one (its encoding is unknown to a SQL_ASCII server). Every other
 * encoding reads characters, and a no-break space it cannot hold is a conversion error.
 */
function whitespaceSetSql(set: (characters: string) => string): SQL {
  return sql`(select case when pg_catalog.current_setting('server_encoding') operator(pg_catalog.=) 'SQL_ASCII' then ${set(ASCII_WHITESPACE_CHARACTERS)}::text else ${set(WHITESPACE_CHARACTERS)}::text end)`;
}

/** Wraps a SQL value expression in the given normalisers, applied in order (text in, text out). */
export function normalizeSql(value: SQL, normalizers: readonly Normalizer[]): SQL {
  let out = value;
  for (const n of normalizers) {
    if (n === 'trim') out = sql`btrim((${out})::text, ${whitespaceSetSql((c) => c)})`;
    else if (n === 'collapse_whitespace') out = sql`regexp_replace((${out})::text, ${whitespaceSetSql((c) => `[${c}]+`)}, ' ', 'g')`;
    // The "C" collation folds A-Z only, whatever the database's collation: see lowerAscii.
    else if (n === 'lower') out = sql`lower((${out})::text collate "C")`;
    else if (n === 'upper') out = sql`upper((${out})::text collate "C")`;
    else if (n === 'empty_as_null') out = sql`nullif((${out})::text, '')`;
    else if ('numeric_scale' in n) {
      const scale = sql.raw(String(n.numeric_scale));
      out = bindText(out, (v) => sql`case when length(${v}) <= ${sql.raw(String(MAX_DECIMAL_LENGTH))} and ${v} ~ ${DECIMAL_PATTERN} then round(${v}::numeric, ${scale})::text else ${unparseableSql(v)} end`);
    } else if ('timestamp_precision' in n) out = normalizeTimestampSql(out, { precision: n.timestamp_precision });
    else out = normalizeTimestampSql(out, { timeZone: n.time_zone });
  }
  return out;
}

/** Applies the normalisers to a JS value read from a database or an HTTP endpoint (text in, text out). */
export function normalizeValue(value: unknown, normalizers: readonly Normalizer[]): string | null {
  let out = value === null || value === undefined ? null : textOf(value);
  for (const n of normalizers) {
    if (out === null) return null;
    if (n === 'trim') out = out.replace(WHITESPACE_EDGES_JS, '');
    else if (n === 'collapse_whitespace') out = out.replace(WHITESPACE_RUN_JS, ' ');
    else if (n === 'lower') out = lowerAscii(out);
    else if (n === 'upper') out = upperAscii(out);
    else if (n === 'empty_as_null') out = out === '' ? null : out;
    else if ('numeric_scale' in n) out = isDecimalText(out) ? roundDecimal(out, n.numeric_scale)! : unparseable(out);
    else if ('timestamp_precision' in n) out = normalizeTimestampText(out, { precision: n.timestamp_precision });
    else out = normalizeTimestampText(out, { timeZone: n.time_zone });
  }
  return out;
}

/**
 * A-Z to a-z and nothing else, as lower(x collate "C") does. Unicode case mapping differs between
 * collations, Postgres versions and JavaScript (ß, İ, final Σ, the Kelvin sign), and a normaliser
 * must mean the same in SQL and in JS; other letters are compared as they are.
 */
export function lowerAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

/** a-z to A-Z and nothing else, as upper(x collate "C") does. */
export function upperAscii(text: string): string {
  return text.replace(/[a-z]+/g, (run) => run.toUpperCase());
}

/** The longest text numeric_scale reads as a number; longer text is compared as it is. */
const MAX_DECIMAL_LENGTH = 1000;

/**
 * Decimal text numeric_scale reads: sign, digits with an optional point, an exponent of at most
 * three digits; no whitespace (trim first), no NaN or Infinity, no "1,5" or "1_000". Written so
 * that JavaScript and Postgres regular expressions read it alike; Postgres numeric accepts all of it.
 */
export const DECIMAL_PATTERN = '^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]{1,3})?$';
const DECIMAL = new RegExp(DECIMAL_PATTERN);

/** Whether numeric_scale reads the text as a number. */
export function isDecimalText(text: string): boolean {
  return text.length <= MAX_DECIMAL_LENGTH && DECIMAL.test(text);
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
