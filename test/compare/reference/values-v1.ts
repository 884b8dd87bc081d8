/**
 * The first value comparison (regex and bigint per number), kept verbatim as the oracle the
 * faster one in src/compare/values.ts must agree with.
 */
import { JsonNumber } from '../../../src/compare/json-lossless.js';
import { normalizeValue, type Normalizer } from '../../../src/compare/normalizers.js';
import type { Decimal } from '../../../src/compare/values.js';

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/;
/** Exponents beyond this are not compared as exact decimals (no 10^1e6 bigints from hostile input). */
const MAX_EXPONENT = 4_000;

/** Parses decimal text (as Postgres numeric, JSON or JS print it); undefined when it is not one. */
export function parseDecimalV1(text: string): Decimal | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const whole = match[2] ?? '';
  const fraction = match[3] ?? '';
  if (whole === '' && fraction === '') return undefined;
  let digits = BigInt(whole + fraction || '0');
  let exponent = Number(match[4] ?? 0) - fraction.length;
  if (digits === 0n) return { negative: false, digits: 0n, exponent: 0 };
  while (digits % 10n === 0n) { digits /= 10n; exponent++; }
  if (Math.abs(exponent) > MAX_EXPONENT) return undefined;
  return { negative: match[1] === '-', digits, exponent };
}

/** Whether a value is a number (as opposed to text that happens to look like one). */
function isNumber(value: unknown): boolean {
  return value instanceof JsonNumber || typeof value === 'number' || typeof value === 'bigint';
}

function decimalOf(value: unknown): Decimal | undefined {
  if (value instanceof JsonNumber) return parseDecimalV1(value.text);
  if (typeof value === 'number') return Number.isFinite(value) ? parseDecimalV1(String(value)) : undefined;
  if (typeof value === 'bigint') return parseDecimalV1(value.toString());
  if (typeof value === 'string') return parseDecimalV1(value.trim());
  return undefined;
}

function scaled(d: Decimal, exponent: number): bigint {
  const magnitude = d.digits * 10n ** BigInt(d.exponent - exponent);
  return d.negative ? -magnitude : magnitude;
}

/** Exact |a − b| ≤ tolerance (tolerance 0: equal value). */
function decimalsWithin(a: Decimal, b: Decimal, tolerance: Decimal | undefined): boolean {
  if (tolerance === undefined || tolerance.digits === 0n) {
    return a.negative === b.negative && a.digits === b.digits && a.exponent === b.exponent;
  }
  const base = Math.min(a.exponent, b.exponent, tolerance.exponent);
  const difference = scaled(a, base) - scaled(b, base);
  const absolute = difference < 0n ? -difference : difference;
  return absolute <= scaled({ ...tolerance, negative: false }, base);
}

/** The tolerance as an exact decimal (undefined for none). */
function toleranceOf(tolerance: number | undefined): Decimal | undefined {
  return tolerance === undefined || tolerance === 0 ? undefined : parseDecimalV1(String(tolerance));
}

/** Equality of two (normalised) values under the rules above. */
export function valuesEqualV1(a: unknown, b: unknown, tolerance?: Decimal, numeric = isNumber(a) || isNumber(b)): boolean {
  const left = a === undefined ? null : a;
  const right = b === undefined ? null : b;
  if (left === null || right === null) return left === right;
  if (numeric) {
    const x = decimalOf(left);
    const y = decimalOf(right);
    if (x !== undefined && y !== undefined) return decimalsWithin(x, y, tolerance);
  }
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false;
    return left.every((item, i) => valuesEqualV1(item, right[i], tolerance));
  }
  if (left instanceof JsonNumber || right instanceof JsonNumber) return textOf(left) === textOf(right);
  if (typeof left === 'object' && typeof right === 'object') {
    const l = left as Record<string, unknown>;
    const r = right as Record<string, unknown>;
    const keys = new Set([...Object.keys(l), ...Object.keys(r)]);
    for (const key of keys) if (!valuesEqualV1(own(l, key), own(r, key), tolerance)) return false;
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
function normalizeField(value: unknown, normalizers: readonly Normalizer[]): unknown {
  if (normalizers.length === 0) return value === undefined ? null : value;
  return normalizeValue(value instanceof JsonNumber ? value.text : value, normalizers);
}

/** Compares one field: normalise both sides, then compare (numerically if either raw side is a number). */
export function fieldsEqualV1(a: unknown, b: unknown, normalizers: readonly Normalizer[], tolerance?: Decimal): boolean {
  return valuesEqualV1(normalizeField(a, normalizers), normalizeField(b, normalizers), tolerance, isNumber(a) || isNumber(b));
}

/** The first record comparison: a set of both sides' fields, each compared with fieldsEqualV1. */
export function differingFieldsV1(a: Record<string, unknown>, b: Record<string, unknown>, comparison: { skip: ReadonlySet<string>; normalize: Readonly<Record<string, readonly Normalizer[]>>; tolerance?: Decimal | undefined }): string[] {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const field of fields) {
    if (comparison.skip.has(field)) continue;
    const normalizers = Object.prototype.hasOwnProperty.call(comparison.normalize, field) ? comparison.normalize[field]! : [];
    const left = Object.prototype.hasOwnProperty.call(a, field) ? a[field] : undefined;
    const right = Object.prototype.hasOwnProperty.call(b, field) ? b[field] : undefined;
    if (!fieldsEqualV1(left, right, normalizers, comparison.tolerance)) out.push(field);
  }
  return out.sort();
}
