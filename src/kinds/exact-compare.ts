/**
 * What "equal" means when a kind compares two values in SQL. Numbers, dates and times compare by
 * value (Postgres `=`: numeric 1.0 = 1.00, float -0 = 0 and NaN = NaN, int = bigint, timestamp =
 * timestamptz read as UTC); every other type — text-like, arrays, composites, domains, json(b),
 * interval, enums, extension types — by its text, byte for byte. So no collation (a case- or
 * accent-insensitive ICU collation, a nondeterministic one that equates é and e + U+0301), no
 * citext, no interval '1 day' = '24 hours' and no jsonb 1.0 = 1.00 can make two values equal.
 * table_diff's canonical text (table-diff/row-hash.ts) agrees within every type.
 */
import { arrayLiteralText } from '../compare/key-literal.js';
import type { TableRef } from '../sql/identifiers.js';
import { sql, tableSql, type SQL } from '../sql/build.js';

/** Types (as pg_typeof names them) whose `=` is exact or has the documented value semantics. */
export const VALUE_TYPES: readonly string[] = [
  'smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision', 'boolean', 'date',
  'time without time zone', 'time with time zone', 'timestamp without time zone', 'timestamp with time zone',
  'uuid', 'bytea', 'oid', 'money',
];

/** A value's text under the "C" collation: compared byte for byte, whatever the value's collation. */
export function exactTextSql(value: SQL): SQL {
  return sql`((${value})::text collate "C")`;
}

/** A NULL of the type `value` has over `table`, read once per statement (no row is read). */
export function typeProbeSql(value: SQL, table: TableRef): SQL {
  return sql`(select ${value} from ${tableSql(table)} limit 0)`;
}

/**
 * True when two values differ under the rule above. Which rule applies is decided once per
 * statement (an uncorrelated subquery over the type probes), because count scans are planned before
 * any type is known; each row then takes one branch. The `is distinct from` branch is always
 * parsed, so comparing incomparable types (text with numeric) stays an error, never a pass.
 */
export function exactlyDistinctSql(a: SQL, b: SQL, probes: { a: SQL; b: SQL }): SQL {
  const types = sql`${arrayLiteralText([...VALUE_TYPES])}::regtype[]`;
  const byValue = sql`(select coalesce(pg_typeof(${probes.a}) = any(${types}) and pg_typeof(${probes.b}) = any(${types}), false))`;
  return sql`(case when ${byValue} then ${a} is distinct from ${b} else ${exactTextSql(a)} is distinct from ${exactTextSql(b)} end)`;
}
