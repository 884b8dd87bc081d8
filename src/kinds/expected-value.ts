/**
 * sql_assert's `expect: { value }`: the one value a query must return, compared with the query's
 * first column by type and exactly — never as text, where `true` would equal 'true', every jsonb
 * would equal "[object Object]" and 1 would differ from 1.0.
 */
import { z } from 'zod';
import { sql, type SQL } from '../sql/build.js';

/** The expected value, tagged by what the YAML said, so the definition hash tells 1 from "1". */
export type ExpectedValue =
  | { type: 'null' }
  | { type: 'boolean'; value: boolean }
  /** Exact decimal text: YAML numbers are checked at load to mean what they say (big ones are BigInts). */
  | { type: 'number'; text: string }
  | { type: 'string'; value: string }
  /** A mapping or list, as JSON text, compared with a json/jsonb column by jsonb equality. */
  | { type: 'json'; json: string };

const yamlValue = z.union([z.null(), z.boolean(), z.number(), z.bigint(), z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);

/** Reads the YAML value of `expect.value` into an ExpectedValue. */
export const expectedValueSchema = yamlValue.transform((raw): ExpectedValue => {
  if (raw === null) return { type: 'null' };
  if (typeof raw === 'boolean') return { type: 'boolean', value: raw };
  if (typeof raw === 'number' || typeof raw === 'bigint') return { type: 'number', text: String(raw) };
  if (typeof raw === 'string') return { type: 'string', value: raw };
  return { type: 'json', json: jsonText(raw) };
});

/** JSON text of a YAML value, keeping BigInts exact and object keys sorted. */
function jsonText(value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${jsonText((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** The expected value as the JSON the database compares `to_jsonb(first column)` with. */
function expectedJson(expected: ExpectedValue): string {
  switch (expected.type) {
    case 'null': return 'null';
    case 'boolean': return String(expected.value);
    case 'number': return expected.text;
    case 'string': return JSON.stringify(expected.value);
    case 'json': return expected.json;
  }
}

/** What the value query returns for each row: the first column's type, text, and jsonb equality. */
export interface ValueRow extends Record<string, unknown> {
  type: string;
  category: string;
  text: string | null;
  json_equal: boolean;
}

/**
 * The query's first two rows with its first column's type and text, and whether `to_jsonb` of it
 * equals the expected value: jsonb compares numbers as exact numerics (1 = 1.0), and never a
 * string to a number or a boolean. The alias list renames only the first column.
 */
export function planValueQuery(query: string, expected: ExpectedValue): SQL {
  // ::oid: pg_catalog has format_type(oid, integer) and oid = oid, not regtype ones; a regtype
  // argument would let a look-alike of exactly those types on the search path answer instead.
  return sql`select format_type(pg_typeof(a.parity_value)::oid, null::integer) as type,
    (select t.typcategory::text from pg_catalog.pg_type t where t.oid = pg_typeof(a.parity_value)::oid) as category,
    a.parity_value::text as text,
    coalesce(to_jsonb(a.parity_value) = (${expectedJson(expected)}::text)::jsonb, false) as json_equal
    from (${sql.raw(query)}) as a(parity_value) limit 2`;
}

/** Types whose text has many spellings of one value; the database reads both and writes them back (planTypedEquality). */
const TYPED_EQUALITY = new Set(['date', 'time without time zone', 'time with time zone', 'timestamp without time zone', 'timestamp with time zone', 'interval', 'uuid']);

/** Whether a returned type is compared by the database's own equality rather than by text. */
export function needsTypedEquality(type: string): boolean {
  return TYPED_EQUALITY.has(type);
}

/**
 * Whether the expected text names the returned value (a type from the fixed list above): both are
 * read by the database as that type and written back out, and the texts compared byte for byte.
 * Not the type's `=`: interval's counts a month as 30 days and a day as 24 hours ('1 mon' =
 * '30 days'), though each adds differently to a date. Every type here writes one stored value as
 * one text under the pinned DateStyle, IntervalStyle and TimeZone, so spellings still agree
 * ('1 days' is '1 day', a timestamptz at +01 is the same instant in UTC).
 */
export function planTypedEquality(type: string, actual: string, expected: string): SQL {
  if (!TYPED_EQUALITY.has(type)) throw new Error(`no typed equality for ${type}`);
  const cast = sql.raw(type);
  const canonical = (text: string) => sql`((${text}::text)::${cast}::text collate "C")`;
  return sql`select ${canonical(actual)} = ${canonical(expected)} as equal`;
}

type Group = 'boolean' | 'number' | 'text' | 'json' | 'other';

const NUMBER_TYPES = new Set(['smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision']);

function groupOf(row: ValueRow): Group {
  if (row.type === 'boolean') return 'boolean';
  if (NUMBER_TYPES.has(row.type)) return 'number';
  if (row.type === 'json' || row.type === 'jsonb') return 'json';
  // S: text, varchar, char, name, citext; E: enum labels. Compared as exact text.
  if (row.category === 'S' || row.category === 'E') return 'text';
  return 'other';
}

/** Which column groups each kind of expected value may be compared with. */
const COMPATIBLE: Record<Exclude<ExpectedValue['type'], 'null'>, readonly Group[]> = {
  // json/jsonb hold typed values too; jsonb equality never lets true equal "true" or 1 equal "1".
  boolean: ['boolean', 'json'],
  number: ['number', 'json'],
  string: ['text', 'json', 'other'],
  json: ['json'],
};

/** Describes the expected value the way a person wrote it. */
export function describeExpected(expected: ExpectedValue): string {
  const what = { null: 'NULL', boolean: 'a boolean', number: 'a number', string: 'a string', json: 'a JSON value' }[expected.type];
  return expected.type === 'null' ? what : `${what} (${expectedJson(expected)})`;
}

/**
 * The verdict for one returned row: equal, different, or a type mismatch (a `fail` with a clear
 * message, never a coincidental text match); `typed` means the database must still compare.
 */
export function judgeValue(expected: ExpectedValue, row: ValueRow): { equal: boolean; mismatch?: string } | { typed: true } {
  if (expected.type === 'null' || row.text === null) return { equal: expected.type === 'null' && row.text === null };
  const group = groupOf(row);
  if (!COMPATIBLE[expected.type].includes(group)) {
    return { equal: false, mismatch: `type mismatch: expected ${describeExpected(expected)}, but the query's first column is ${row.type}` };
  }
  if (expected.type === 'string' && group === 'other') {
    if (needsTypedEquality(row.type)) return { typed: true };
    // Other types (arrays, bytea, inet, …) must match the database's text form exactly.
    return { equal: row.text === expected.value };
  }
  if (expected.type === 'string' && group === 'text') return { equal: row.text === expected.value };
  return { equal: row.json_equal };
}
