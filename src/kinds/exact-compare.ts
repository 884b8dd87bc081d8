/**
 * What "equal" means when a kind compares two values in SQL. Numbers, dates and times compare by
 * value (Postgres `=`: numeric 1.0 = 1.00, float -0 = 0 and NaN = NaN, int = bigint, timestamp =
 * timestamptz read as UTC) when both types are of one family below. An integer or numeric against
 * a float compares as decimal text, trailing fractional zeros and the sign of zero dropped (12.50 =
 * 12.5, 7 = 7.0, but 2^53 + 1 ≠ double 2^53): the rule table_diff's canonical text applies. Every
 * other type — text-like, arrays, composites, domains, json(b), interval, enums, extension types —
 * and every other pair of families compares by its text, byte for byte. So no collation (a case-
 * or accent-insensitive ICU collation, a nondeterministic one that equates é and e + U+0301), no
 * citext, no interval '1 day' = '24 hours', no jsonb 1.0 = 1.00 and no rounding implicit cast can
 * make two values equal. table_diff's canonical text (table-diff/row-hash.ts) agrees within every
 * type.
 */
import { arrayLiteralText } from '../compare/key-literal.js';
import type { TableRef } from '../sql/identifiers.js';
import { joinSql, sql, tableSql, type SQL } from '../sql/build.js';

/**
 * Families of types (as pg_typeof names them) whose `=` is exact or has the documented value
 * semantics between any two members. Across families `=` casts one side implicitly, and some of
 * those casts round — bigint and numeric to double precision (2^53 + 1 = 2^53), integer to oid
 * modulo 2^32 (-1 = 4294967295) — so a pair from two families never compares by `=`. The first
 * two families (exact numbers, floats) are compared with each other as decimal text.
 */
export const VALUE_FAMILIES: readonly (readonly string[])[] = [
  ['smallint', 'integer', 'bigint', 'numeric'],
  ['real', 'double precision'],
  ['date', 'timestamp without time zone', 'timestamp with time zone'],
  ['time without time zone', 'time with time zone'],
  ['boolean'], ['uuid'], ['bytea'], ['oid'], ['money'],
];
const NUMBER_FAMILIES = 2;

/** A value's text under the "C" collation: compared byte for byte, whatever the value's collation. */
export function exactTextSql(value: SQL): SQL {
  return sql`((${value})::text collate "C")`;
}

/** A NULL of the type `value` has over `table`, read once per statement (no row is read). */
export function typeProbeSql(value: SQL, table: TableRef): SQL {
  return sql`(select ${value} from ${tableSql(table)} limit 0)`;
}

/** The index of the value family a regtype belongs to, NULL for types compared by text. */
function familySql(type: SQL): SQL {
  const whens = VALUE_FAMILIES.map((family, i) => sql` when ${type} = any(${arrayLiteralText([...family])}::regtype[]) then ${sql.raw(String(i))}`);
  return sql`(case${joinSql(whens, sql``)} end)`;
}

/** Trailing fractional zeros (and a point left bare) of a decimal text, as a regular expression. */
const TRAILING_ZEROS = String.raw`(\.[0-9]*[1-9])0+$|\.0+$`;

/**
 * A number's text with trailing fractional zeros and the sign of a zero dropped: numeric 12.50 and
 * float 12.5 read alike, and so do 0 and -0, as trim_scale and `+ 0` make them in table_diff. Float
 * text is the shortest that reads back as the same double (extra_float_digits is pinned), so two
 * doubles never share one, and a numeric matches only the double it reads as.
 */
function decimalTextSql(value: SQL): SQL {
  return sql`regexp_replace(regexp_replace(${exactTextSql(value)}, '^-0$', '0'), ${TRAILING_ZEROS}, ${String.raw`\1`})`;
}

/**
 * True when two values differ under the rule above. Which rule applies is decided once per
 * statement (an uncorrelated subquery over the type probes), because count scans are planned before
 * any type is known; each row then takes one branch. The `is distinct from` branch is always
 * parsed, so comparing incomparable types (text with numeric) stays an error, never a pass.
 */
export function exactlyDistinctSql(a: SQL, b: SQL, probes: { a: SQL; b: SQL }): SQL {
  const numbers = sql.raw(String(NUMBER_FAMILIES));
  const rule = sql`(select case when f.a = f.b then 'value' when f.a < ${numbers} and f.b < ${numbers} then 'decimal' else 'text' end
    from (select ${familySql(sql`t.a`)} as a, ${familySql(sql`t.b`)} as b from (select pg_typeof(${probes.a}) as a, pg_typeof(${probes.b}) as b) as t) as f)`;
  return sql`(case ${rule} when 'value' then ${a} is distinct from ${b}
    when 'decimal' then ${decimalTextSql(a)} is distinct from ${decimalTextSql(b)}
    else ${exactTextSql(a)} is distinct from ${exactTextSql(b)} end)`;
}
