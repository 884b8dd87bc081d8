/**
 * Comparing values read from two places (shadow_read), in JS, with the same meaning the SQL
 * comparisons have. The rules, all symmetric:
 * - NULL equals only NULL; a field absent from a JSON object counts as NULL (APIs omit nulls).
 * - When either side is a number, both are compared as exact decimals: 1.50 = 1.5, 42 = "42"
 *   (APIs often send bigints as strings). Two strings are compared as text ("007" ≠ "7").
 * - `numeric_tolerance` t: numbers within |a − b| ≤ t are equal (computed exactly, in decimal).
 * - Arrays element by element, objects field by field, by the same rules; booleans by identity.
 * - Normalisers (src/compare/normalizers.ts) run before comparing, per field.
 */
import { normalizeValue, type Normalizer } from './normalizers.js';
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
  if (typeof value === 'string') return value.trim();
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

/** Equality of two (normalised) values under the rules above. */
export function valuesEqual(a: unknown, b: unknown, tolerance?: Decimal, numeric = isNumber(a) || isNumber(b)): boolean {
  const left = a === undefined ? null : a;
  const right = b === undefined ? null : b;
  if (left === null || right === null) return left === right;
  if (numeric) {
    // The same text is the same value, whatever the rules below would make of it.
    if ((left instanceof JsonNumber ? left.text : left) === (right instanceof JsonNumber ? right.text : right) && (typeof left === 'string' || left instanceof JsonNumber)) return true;
    const x = decimalTextOf(left);
    const y = decimalTextOf(right);
    const within = x === undefined || y === undefined ? undefined : decimalTextsWithin(x, y, tolerance);
    if (within !== undefined) return within;
  }
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, i) => valuesEqual(item, right[i], tolerance));
  }
  if (left instanceof JsonNumber || right instanceof JsonNumber) return textOf(left) === textOf(right);
  if (typeof left === 'object' && typeof right === 'object') {
    const l = left as Record<string, unknown>;
    const r = right as Record<string, unknown>;
    const keys = new Set([...Object.keys(l), ...Object.keys(r)]);
    for (const key of keys) if (!valuesEqual(own(l, key), own(r, key), tolerance)) return false;
    return true;
  }
  return typeof left === typeof right && left === right;
}

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function textOf(value: unknown): string {
  return value instanceof JsonNumber ? value.text : typeof value === 'string' ? value : JSON.stringify(value);
}

/** Runs a field's normalisers; numbers enter them as their exact decimal text. */
export function normalizeField(value: unknown, normalizers: readonly Normalizer[]): unknown {
  if (normalizers.length === 0) return value === undefined ? null : value;
  return normalizeValue(value instanceof JsonNumber ? value.text : value, normalizers);
}

/** Compares one field: normalise both sides, then compare (numerically if either raw side is a number). */
export function fieldsEqual(a: unknown, b: unknown, normalizers: readonly Normalizer[], tolerance?: Decimal): boolean {
  return valuesEqual(normalizeField(a, normalizers), normalizeField(b, normalizers), tolerance, isNumber(a) || isNumber(b));
}
