/**
 * Comparing values read from two places (shadow_read), in JS. Strict by default; every leniency
 * is an option written in the check file. The rules, all symmetric:
 * - NULL equals only NULL. A member absent from a JSON object equals only another absent member,
 *   at every depth, unless `treat_absent_as_null` says otherwise (top level, or everywhere).
 * - A number equals only a number of the same exact decimal value (1.50 = 1.5, never rounded
 *   through doubles); a string equals only the same string: "7", " 7" and 7 are three values.
 * - `numeric_tolerance` t: two numbers within |a − b| ≤ t are equal (computed exactly, in decimal).
 * - Arrays element by element, objects member by member, by the same rules; booleans by identity.
 * - Normalisers (src/compare/normalizers.ts) run first, per field, and compare the text they
 *   produce — but the JSON type stays: a number and a string still differ after `trim`. Only a
 *   parsing normaliser (numeric_scale, timestamp_*) that read its input makes types irrelevant:
 *   that is what it was asked for. An array or object enters a normaliser as containerText, so
 *   the types inside it stay too.
 */
import { isParsingNormalizer, normalizeValue, type Normalizer } from './normalizers.js';
import { UNPARSEABLE_PREFIX } from './unparseable.js';
import { JsonNumber } from './json-lossless.js';

/** ±digits × 10^exponent, normalised (no trailing zeros in digits; zero is 0 × 10^0, positive). */
export interface Decimal { negative: boolean; digits: bigint; exponent: number }

/** Exponents beyond this are not compared as exact decimals (no 10^1e6 bigints from hostile input). */
const MAX_EXPONENT = 4_000;
const PLUS = 0x2b, MINUS = 0x2d, DOT = 0x2e, DIGIT_0 = 0x30, DIGIT_9 = 0x39, LOWER_E = 0x65, UPPER_E = 0x45;

/** A decimal's normal form with its digits as text: equal values have equal forms. */
interface DecimalForm { negative: boolean; digits: string; exponent: number }

const ZERO: DecimalForm = { negative: false, digits: '0', exponent: 0 };

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

/**
 * [+-]?\d*(\.\d*)?([eE][+-]?\d{1,6})? with at least one digit before the exponent, scanned by
 * hand: shadow reads compare every numeric field, and a regex plus a bigint per value was the
 * largest cost of comparing rows.
 */
function decimalForm(text: string): DecimalForm | undefined {
  const end = text.length;
  let i = 0;
  const sign = text.charCodeAt(0);
  if (sign === PLUS || sign === MINUS) i++;
  const wholeStart = i;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  const wholeEnd = i;
  let fractionEnd = i;
  if (i < end && text.charCodeAt(i) === DOT) {
    i++;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    fractionEnd = i;
  }
  const fractionDigits = fractionEnd === wholeEnd ? 0 : fractionEnd - wholeEnd - 1;
  if (wholeEnd === wholeStart && fractionDigits === 0) return undefined;
  let exponent = 0;
  if (i < end) {
    const e = text.charCodeAt(i);
    if (e !== LOWER_E && e !== UPPER_E) return undefined;
    i++;
    const expSign = text.charCodeAt(i);
    if (expSign === PLUS || expSign === MINUS) i++;
    const digitsStart = i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    if (i !== end || i === digitsStart || i - digitsStart > 6) return undefined;
    exponent = Number(text.slice(digitsStart, end));
    if (expSign === MINUS) exponent = -exponent;
  }
  // The significant digits: whole and fraction without the point, leading and trailing zeros off.
  const all = fractionDigits === 0 ? text.slice(wholeStart, wholeEnd) : text.slice(wholeStart, wholeEnd) + text.slice(wholeEnd + 1, fractionEnd);
  let first = 0;
  while (first < all.length && all.charCodeAt(first) === DIGIT_0) first++;
  if (first === all.length) return ZERO;
  let last = all.length - 1;
  while (all.charCodeAt(last) === DIGIT_0) last--;
  exponent += all.length - 1 - last - fractionDigits;
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
  return { negative: sign === MINUS, digits: first === 0 && last === all.length - 1 ? all : all.slice(first, last + 1), exponent };
}

/** Parses decimal text (as Postgres numeric, JSON or JS print it); undefined when it is not one. */
export function parseDecimal(text: string): Decimal | undefined {
  const form = decimalForm(text);
  return form && { negative: form.negative, digits: BigInt(form.digits), exponent: form.exponent };
}

/** Whether a value is a number (as opposed to text that happens to look like one). */
export function isNumber(value: unknown): boolean {
  return value instanceof JsonNumber || typeof value === 'number' || typeof value === 'bigint';
}

/** The decimal text a value is compared by, when it has one. */
function decimalTextOf(value: unknown): string | undefined {
  if (value instanceof JsonNumber) return value.text;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}

/** Exact equality or |a − b| ≤ tolerance of two decimal texts; undefined when either is not one. */
function decimalTextsWithin(a: string, b: string, tolerance: Decimal | undefined): boolean | undefined {
  const x = decimalForm(a);
  const y = decimalForm(b);
  if (x === undefined || y === undefined) return undefined;
  if (tolerance === undefined || tolerance.digits === 0n) return x.negative === y.negative && x.exponent === y.exponent && x.digits === y.digits;
  return decimalsWithin(
    { negative: x.negative, digits: BigInt(x.digits), exponent: x.exponent },
    { negative: y.negative, digits: BigInt(y.digits), exponent: y.exponent },
    tolerance,
  );
}

function scaled(d: Decimal, exponent: number): bigint {
  const magnitude = d.digits * 10n ** BigInt(d.exponent - exponent);
  return d.negative ? -magnitude : magnitude;
}

/** Exact |a − b| ≤ tolerance (tolerance 0: equal value). */
export function decimalsWithin(a: Decimal, b: Decimal, tolerance: Decimal | undefined): boolean {
  if (tolerance === undefined || tolerance.digits === 0n) {
    return a.negative === b.negative && a.digits === b.digits && a.exponent === b.exponent;
  }
  const base = Math.min(a.exponent, b.exponent, tolerance.exponent);
  const difference = scaled(a, base) - scaled(b, base);
  const absolute = difference < 0n ? -difference : difference;
  return absolute <= scaled({ ...tolerance, negative: false }, base);
}

/** The tolerance as an exact decimal (undefined for none). */
export function toleranceOf(tolerance: number | undefined): Decimal | undefined {
  return tolerance === undefined || tolerance === 0 ? undefined : parseDecimal(String(tolerance));
}

/** Where an absent member counts as NULL: nowhere (strict), top-level fields only, or at every depth. */
export type AbsentAsNull = 'never' | 'top_level' | 'everywhere';

/** A field's value after its normalisers: their text, and the JSON type it came from ('parsed' once a parsing normaliser read it). */
export class NormalizedValue {
  constructor(readonly text: string, readonly type: string) {}
  /** Shown as the normalised text. */
  toJSON(): string {
    return this.text;
  }
}

function jsonType(value: unknown): string {
  if (isNumber(value)) return 'number';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Exact decimal equality (or within tolerance) of two number texts; identical text when either is not a decimal. */
function numberTextsEqual(x: string | undefined, y: string | undefined, tolerance: Decimal | undefined): boolean {
  if (x === undefined || y === undefined) return false;
  return decimalTextsWithin(x, y, tolerance) ?? x === y;
}

/** Equality of two (normalised) values under the rules above; `absentAsNull` applies at every depth. */
export function valuesEqual(a: unknown, b: unknown, tolerance?: Decimal, absentAsNull = false): boolean {
  if (a === undefined || b === undefined) return a === b || (absentAsNull && (a ?? null) === (b ?? null));
  if (a === null || b === null) return a === b;
  if (a instanceof NormalizedValue || b instanceof NormalizedValue) {
    if (!(a instanceof NormalizedValue && b instanceof NormalizedValue) || a.type !== b.type) return false;
    if (a.text === b.text) return true;
    return tolerance !== undefined && (a.type === 'number' || a.type === 'parsed') && decimalTextsWithin(a.text, b.text, tolerance) === true;
  }
  const aNumber = isNumber(a);
  if (aNumber || isNumber(b)) return aNumber && isNumber(b) && (numberTextsEqual(decimalTextOf(a), decimalTextOf(b), tolerance) || Object.is(a, b));
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => valuesEqual(item, b[i], tolerance, absentAsNull));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const l = a as Record<string, unknown>;
    const r = b as Record<string, unknown>;
    for (const key of Object.keys(l)) if (!valuesEqual(l[key], own(r, key), tolerance, absentAsNull)) return false;
    for (const key of Object.keys(r)) if (!Object.prototype.hasOwnProperty.call(l, key) && !valuesEqual(undefined, r[key], tolerance, absentAsNull)) return false;
    return true;
  }
  return typeof a === typeof b && a === b;
}

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/**
 * The text a text normaliser reads for an array or object: each number as its exact value in one
 * spelling (`15e2`, never quoted), strings as JSON writes them, members sorted by name. So a
 * number never becomes the text of a string (JSON.stringify writes 9007199254740993, 1e0 and -0
 * as strings: `[1e0]` and `["1e0"]` were one text), and equal containers give equal texts, as
 * they compare equal without a normaliser (1.0 = 1, members in any order). Member names are
 * written as the hex of their code units, which no normaliser folds into another name: a
 * normaliser applies to a field's values, and `lower` must not make `Email` and `email` one member.
 */
export function containerText(value: unknown): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  const number = decimalTextOf(value);
  if (number !== undefined) {
    const form = decimalForm(number);
    // Beyond MAX_EXPONENT the text itself: still a number, equal only to the same spelling.
    return form ? `${form.negative ? '-' : ''}${form.digits}e${form.exponent}` : number;
  }
  if (Array.isArray(value)) return `[${value.map(containerText).join(',')}]`;
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record).sort().map((name) => `${memberNameText(name)}:${containerText(record[name])}`).join(',')}}`;
  }
  // Nothing else comes out of a JSON parse; unquoted, so it can never equal a string's text.
  return String(value);
}

/**
 * A member name in containerText: `#` and four lower-case hex digits per UTF-16 code unit (UTF-8
 * would fold lone surrogates into one U+FFFD). Hex holds no whitespace, and `upper` maps it one
 * to one (a-f to A-F) on both sides, so no text normaliser makes two names one.
 */
function memberNameText(name: string): string {
  let out = '#';
  for (let i = 0; i < name.length; i++) out += name.charCodeAt(i).toString(16).padStart(4, '0');
  return out;
}

/** Runs a field's normalisers one by one, tracking the JSON type; absent stays absent, NULL stays NULL. */
export function normalizeField(value: unknown, normalizers: readonly Normalizer[]): unknown {
  if (normalizers.length === 0 || value === undefined || value === null) return value;
  let type = jsonType(value);
  let text: string | null = value instanceof JsonNumber ? value.text
    : type === 'array' || type === 'object' ? containerText(value) : normalizeValue(value, []);
  for (const n of normalizers) {
    text = normalizeValue(text, [n]);
    if (text === null) return null;
    if (isParsingNormalizer(n) && !text.startsWith(UNPARSEABLE_PREFIX)) type = 'parsed';
  }
  return new NormalizedValue(text!, type);
}

/** Compares one top-level field: normalise both sides, then compare under the rules above. */
export function fieldsEqual(a: unknown, b: unknown, normalizers: readonly Normalizer[], tolerance?: Decimal, absentAsNull: AbsentAsNull = 'never'): boolean {
  const left = a === undefined && absentAsNull !== 'never' ? null : a;
  const right = b === undefined && absentAsNull !== 'never' ? null : b;
  return valuesEqual(normalizeField(left, normalizers), normalizeField(right, normalizers), tolerance, absentAsNull === 'everywhere');
}
