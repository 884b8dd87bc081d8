/**
 * Whose record is this? An HTTP read path is asked for key k and must answer k's record: an
 * endpoint answering one record for every key (a cache keyed wrongly, a route ignoring its
 * parameter) would otherwise compare equal to itself or to a lenient old path. Every record read
 * over HTTP must hold the requested key, by default as top-level fields named like the key columns;
 * `key_field` names another place (a member name, or a JSON pointer such as `/data/id`).
 *
 * The comparison is exact and type-strict against the key as Postgres writes it in JSON
 * (`to_json(key)`, the very form the SQL read path produces): an integer key must come back as a
 * JSON number of the same value (`7`, `7.0`; never `"7"`), a text or uuid key as the same string.
 * A record without the key, or with another key, means the read path cannot be trusted for this
 * check: "could not verify" (`invalid_response` / `wrong_record`), never a pass.
 */
import { z } from 'zod';
import { JsonNumber, parseJsonLossless, type LosslessJson } from '../../compare/json-lossless.js';
import { parseDecimal } from '../../compare/values.js';

const location = z.string().min(1).max(1000);

/** `key_field:` — one location (single-column key) or a location per key column. */
export const keyFieldSchema = z.union([location, z.record(z.string().min(1).max(128), location)]);
export type KeyField = z.output<typeof keyFieldSchema>;

/** A location as pointer segments: `/a/b~1c` → ['a', 'b/c']; a plain name → [name]. */
function segmentsOf(where: string): string[] | undefined {
  if (!where.startsWith('/')) return [where];
  if (/~[^01]|~$/.test(where)) return undefined;
  return where.slice(1).split('/').map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Where each key column sits in a record (pointer segments, in key order), or the problem with `key_field`. */
export function keyLocations(keyField: KeyField | undefined, keyColumns: readonly string[]): string[][] | { error: string } {
  if (typeof keyField === 'string' && keyColumns.length !== 1) {
    return { error: `the key has ${keyColumns.length} columns; give a location for each: key_field: { ${keyColumns.map((c) => `${c}: …`).join(', ')} }` };
  }
  const mapping: Record<string, string> = typeof keyField === 'string' ? { [keyColumns[0]!]: keyField } : { ...keyField };
  const unknown = Object.keys(mapping).find((column) => !keyColumns.includes(column));
  if (unknown !== undefined) return { error: `"${unknown}" is not a key column; key columns: ${keyColumns.join(', ')}` };
  const out: string[][] = [];
  for (const column of keyColumns) {
    const segments = segmentsOf(mapping[column] ?? column);
    if (!segments) return { error: `"${mapping[column]}" is not a JSON pointer ("~" must be followed by 0 or 1)` };
    out.push(segments);
  }
  return out;
}

const hasOwn = (value: object, name: string) => Object.prototype.hasOwnProperty.call(value, name);

/** The value at a location, or undefined when the record has nothing there. */
function valueAt(record: LosslessJson, segments: readonly string[]): LosslessJson | undefined {
  let current: LosslessJson | undefined = record;
  for (const segment of segments) {
    if (Array.isArray(current)) current = /^(0|[1-9]\d*)$/.test(segment) ? current[Number(segment)] : undefined;
    else if (current !== null && typeof current === 'object' && !(current instanceof JsonNumber)) current = hasOwn(current, segment) ? current[segment] : undefined;
    else return undefined;
    if (current === undefined) return undefined;
  }
  return current;
}

/** Exact, type-strict JSON equality: numbers by exact decimal value, strings by code unit, nothing coerced. */
export function jsonExactlyEqual(a: LosslessJson, b: LosslessJson): boolean {
  if (a instanceof JsonNumber || b instanceof JsonNumber) {
    if (!(a instanceof JsonNumber && b instanceof JsonNumber)) return false;
    const x = parseDecimal(a.text);
    const y = parseDecimal(b.text);
    if (!x || !y) return a.text === b.text;
    return x.negative === y.negative && x.digits === y.digits && x.exponent === y.exponent;
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonExactlyEqual(v, b[i]!));
  }
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((n) => hasOwn(b, n) && jsonExactlyEqual(a[n]!, b[n]!));
}

function shown(value: LosslessJson): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

export type KeyProblem = { code: 'invalid_response' | 'wrong_record'; message: string };

/**
 * Checks that a record holds the requested key (its `to_json` text per column). Returns the
 * problem, phrased after "the record …", or undefined when every key column matches.
 */
export function recordKeyProblem(record: LosslessJson, locations: readonly string[][], keyColumns: readonly string[], expectedJson: readonly string[]): KeyProblem | undefined {
  for (let i = 0; i < keyColumns.length; i++) {
    const where = locations[i]!;
    const pointer = where.length === 1 ? `"${where[0]}"` : `/${where.map((s) => s.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
    const expected = parseJsonLossless(expectedJson[i]!);
    const found = valueAt(record, where);
    if (found === undefined) {
      return { code: 'invalid_response', message: `has no key ${keyColumns[i]} at ${pointer} (expected ${shown(expected)}); name where the key sits with key_field` };
    }
    if (!jsonExactlyEqual(found, expected)) {
      return { code: 'wrong_record', message: `is not the requested one: ${keyColumns[i]} at ${pointer} is ${shown(found)}, requested ${shown(expected)} (compared exactly, type included)` };
    }
  }
  return undefined;
}
