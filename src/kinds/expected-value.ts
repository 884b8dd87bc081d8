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

/**
 * Types whose text has many spellings of one value; the database compares them. The expected text
 * is cast into the returned type, and a cast may drop what the text says (a time of day into a
 * date, an offset into a zone-less timestamp or time), so it must also read the same in `wide`, a
 * type that holds it whole. Interval `=` calls '1 mon' and '30 days' equal, and '1 day' and '24
 * hours', though each adds differently to a date: intervals compare by their fields, which their
 * text (IntervalStyle is pinned) spells one way. Every other pair compares by its own `=`.
 */
const TYPED_EQUALITY: ReadonlyMap<string, { wide?: string; byFields?: true }> = new Map([
  ['date', { wide: 'timestamp with time zone' }],
  ['timestamp without time zone', { wide: 'timestamp with time zone' }],
  ['timestamp with time zone', {}],
  ['time without time zone', { wide: 'time with time zone' }],
  ['time with time zone', {}],
  ['interval', { byFields: true }],
  ['uuid', {}],
]);

/** Whether a returned type is compared by the database's own equality rather than by text. */
export function needsTypedEquality(type: string): boolean {
  return TYPED_EQUALITY.has(type);
}

/**
 * Whether `actual` equals `expected` in the returned type (from the fixed list above), parsed by
 * the database; whether the expected text holds exactly in that type; and how it reads there.
 */
export function planTypedEquality(type: string, actual: string, expected: string): SQL {
  const rule = TYPED_EQUALITY.get(type);
  if (!rule) throw new Error(`no typed equality for ${type}`);
  const cast = sql.raw(type);
  const a = sql`(${actual}::text)::${cast}`;
  const e = sql`(${expected}::text)::${cast}`;
  const equal = rule.byFields ? sql`(${a})::text operator(pg_catalog.=) (${e})::text` : sql`${a} operator(pg_catalog.=) ${e}`;
  const wide = rule.wide === undefined ? undefined : sql.raw(rule.wide);
  const exact = wide ? sql`(${e})::${wide} operator(pg_catalog.=) (${expected}::text)::${wide}` : sql`true`;
  return sql`select ${equal} as equal, ${exact} as exact, (${e})::text as expected_as_type`;
}

/** What the database answered for a typed comparison (planTypedEquality). */
export interface TypedAnswer extends Record<string, unknown> { equal: boolean | null; exact: boolean | null; expected_as_type: string | null }

/** The verdict of a typed comparison: equal only when the expected text also held exactly in the type. */
export function typedVerdict(type: string, expected: string, answer: TypedAnswer | undefined): { equal: boolean; mismatch?: string } {
  if (answer?.exact === false) {
    return { equal: false, mismatch: `the expected ${JSON.stringify(expected)} cannot be held exactly as a ${type} (as one it reads ${JSON.stringify(answer.expected_as_type)})` };
  }
  return { equal: answer?.equal === true && answer.exact === true };
}

/** A fraction of a second finer than the microseconds every typed type holds: the cast would round it away. */
const FINER_THAN_MICROSECONDS = /\.\d{6}\d*[1-9]/;

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
    if (needsTypedEquality(row.type)) {
      if (FINER_THAN_MICROSECONDS.test(expected.value)) {
        return { equal: false, mismatch: `the expected ${JSON.stringify(expected.value)} is finer than the microseconds a ${row.type} holds; it would be rounded` };
      }
      return { typed: true };
    }
    // Other types (arrays, bytea, inet, …) must match the database's text form exactly.
    return { equal: row.text === expected.value };
  }
  if (expected.type === 'string' && group === 'text') return { equal: row.text === expected.value };
  return { equal: row.json_equal };
}
