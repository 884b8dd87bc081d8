/**
 * What "equal" means when a kind compares two values in SQL. Numbers, dates and times compare by
 * value (Postgres `=`: numeric 1.0 = 1.00, float -0 = 0 and NaN = NaN, int = bigint, timestamp =
 * timestamptz read as UTC) when both types are of one family below. Integers, numerics and floats
 * compare with each other as the decimals they read as — a float as the decimal its shortest text
 * names (12.50 = 12.5, 7 = 7.0, 0.00001 = 1e-05, but 2^53 + 1 ≠ double 2^53). A domain
 * compares as the type it is declared over. Every other type — text-like, arrays, composites,
 * json(b), interval, enums, extension types —
 * and every other pair of families compares by its text, byte for byte. So no collation (a case-
 * or accent-insensitive ICU collation, a nondeterministic one that equates é and e + U+0301), no
 * citext, no interval '1 day' = '24 hours', no jsonb 1.0 = 1.00 and no rounding implicit cast can
 * make two values equal. table_diff's canonical text (table-diff/row-hash.ts, valueFormsOf) agrees
 * for every pair of types, except that it compares date, timestamp and timestamptz by text.
 */
import { arrayLiteralText } from '../sql/array-literal.js';
import type { TableRef } from '../sql/identifiers.js';
import { joinSql, sql, tableSql, type SQL } from '../sql/build.js';

/**
 * Families of types (as pg_typeof names them) whose `=` is exact or has the documented value
 * semantics between any two members. Across families `=` casts one side implicitly, and some of
 * those casts round — bigint and numeric to double precision (2^53 + 1 = 2^53), integer to oid
 * modulo 2^32 (-1 = 4294967295) — so a pair from two families never compares by `=`. The first
 * three families (integers, numeric, floats) are compared with each other as decimals.
 *
 * Every pair within a family has an `=` of exactly its two types in pg_catalog, and that is why
 * integers and numeric, or time and timetz, are not one family: for a pair without one, Postgres
 * takes an `=` of exactly those types from any schema on the search path before pg_catalog's
 * implicit-cast candidates, pg_catalog first or not, and a look-alike `=(integer, numeric)` that is
 * always true made differing values equal (test/adversarial/operator-lookalikes.test.ts).
 */
export const VALUE_FAMILIES: readonly (readonly string[])[] = [
  ['smallint', 'integer', 'bigint'],
  ['numeric'],
  ['real', 'double precision'],
  ['date', 'timestamp without time zone', 'timestamp with time zone'],
  ['time without time zone'], ['time with time zone'],
  ['boolean'], ['uuid'], ['bytea'], ['oid'], ['money'],
];
const NUMBER_FAMILIES = 3;

/** A value's text under the "C" collation: compared byte for byte, whatever the value's collation. */
export function exactTextSql(value: SQL): SQL {
  return sql`((${value})::text collate "C")`;
}

/** A NULL of the type `value` has over `table`, read once per statement (no row is read). */
export function typeProbeSql(value: SQL, table: TableRef): SQL {
  return sql`(select ${value} from ${tableSql(table)} limit 0)`;
}

/**
 * The type a regtype is declared over when it is a domain, through domains of domains; any other
 * type is itself. A domain's values are its base type's values (the same output, the same casts),
 * so it compares as its base type: compared by text, a domain over real printed 0.1 as a double
 * 0.1 prints, and a double narrowed to it passed (test/adversarial/domain-value-forms). Catalog
 * operators are named, so no look-alike on the search path answers.
 */
export function baseTypeSql(type: SQL): SQL {
  return sql`(with recursive d(t, kind, base) as (
      select t.oid, t.typtype, t.typbasetype from pg_catalog.pg_type t where t.oid operator(pg_catalog.=) (${type})::pg_catalog.oid
      union all
      select t.oid, t.typtype, t.typbasetype from pg_catalog.pg_type t, d
        where d.kind operator(pg_catalog.=) 'd' and t.oid operator(pg_catalog.=) d.base)
    select d.t::pg_catalog.regtype from d where d.kind operator(pg_catalog.<>) 'd')`;
}

/** Every type of VALUE_FAMILIES, and beside it (same position) the index of its family. */
const FAMILY_TYPES = VALUE_FAMILIES.flat();
const FAMILY_INDEX = VALUE_FAMILIES.flatMap((family, i) => family.map(() => i));

/**
 * The index of the value family a regtype belongs to, NULL for types compared by text: one
 * array_position over one array. (A CASE of `= any(…)` arms per family was 18 expressions per
 * comparison, and JIT compiled each: 4.2 s of a fused scan's 9.7 s went to compiling them.)
 */
function familySql(type: SQL): SQL {
  return sql`(${arrayLiteralText(FAMILY_INDEX.map(String))}::int[])[array_position(${arrayLiteralText(FAMILY_TYPES)}::regtype[], ${type})]`;
}

/**
 * A number as the decimal it reads as: an integer or numeric is itself; a float is the decimal its
 * shortest text names (extra_float_digits is pinned, so two doubles never share one, and `1e-05`
 * or `1e+15` read as 0.00001 and 10^15). Compared as numeric, 12.50 = 12.5, 7 = 7.0 and -0 = 0 —
 * table_diff's trim_scale and `+ 0` — while 2^53 + 1 ≠ double 2^53 and 0.1000000000000000001 ≠
 * double 0.1. NaN equals NaN and the infinities themselves, as for `=`.
 */
function decimalSql(value: SQL): SQL {
  return sql`(${exactTextSql(value)})::numeric`;
}

/**
 * True when two values differ under the rule above. Which rule applies is decided once per
 * statement (an uncorrelated subquery over the type probes), because count scans are planned before
 * any type is known; each row then takes one branch. The `is distinct from` branch is always
 * parsed, so comparing incomparable types (text with numeric) stays an error, never a pass.
 */
export function exactlyDistinctSql(a: SQL, b: SQL, probes: { a: SQL; b: SQL }): SQL {
  const numbers = sql.raw(String(NUMBER_FAMILIES));
  const floats = sql.raw(String(NUMBER_FAMILIES - 1));
  const real = (probe: SQL) => sql`${baseTypeSql(sql`pg_typeof(${probe})`)} operator(pg_catalog.=) 'real'::pg_catalog.regtype`;
  // One InitPlan per comparison, an int rule: 0 by value, 1 as decimals, 2 by text; 3–6 two floats
  // of which one at least is a domain (3, + 1 when a is real-based, + 2 when b is). The families
  // of the types themselves come first: `=` is used only between built-in types (a domain in an
  // `=` could meet a look-alike operator of exactly its type); a domain is otherwise judged by the
  // family of its base type.
  const rule = sql`(select case when f.a = f.b then 0 when f.a < ${numbers} and f.b < ${numbers} then 1
      when f.ba = ${floats} and f.bb = ${floats} then 3 + (case when f.ra then 1 else 0 end) + (case when f.rb then 2 else 0 end)
      when f.ba < ${numbers} and f.bb < ${numbers} then 1 else 2 end
    from (select ${familySql(sql`pg_typeof(${probes.a})`)} as a, ${familySql(sql`pg_typeof(${probes.b})`)} as b,
      ${familySql(baseTypeSql(sql`pg_typeof(${probes.a})`))} as ba, ${familySql(baseTypeSql(sql`pg_typeof(${probes.b})`))} as bb,
      ${real(probes.a)} as ra, ${real(probes.b)} as rb) as f)`;
  // A float as a double, exactly: a real through the real its text names (the text round-trips),
  // widened as `=` widens it; a double through its own text. Text casts parse for any type, so the
  // branch is valid SQL whatever the columns are; only two floats ever take it.
  const double = (value: SQL, isReal: boolean) => (isReal ? realAsDoubleSql(value) : sql`(${value})::text::float8`);
  const doubles = (aReal: boolean, bReal: boolean) => sql`${double(a, aReal)} is distinct from ${double(b, bReal)}`;
  return sql`(case ${rule} when 0 then ${a} is distinct from ${b}
    when 1 then ${decimalSql(a)} is distinct from ${decimalSql(b)}
    when 3 then ${doubles(false, false)} when 4 then ${doubles(true, false)} when 5 then ${doubles(false, true)} when 6 then ${doubles(true, true)}
    else ${exactTextSql(a)} is distinct from ${exactTextSql(b)} end)`;
}

/**
 * Which of two values is a real (or a domain over one) compared with a double, as one statement
 * decides it from the two type probes: 1 the first, 2 the second, 0 neither. A normaliser reads
 * text, and a real prints its shortest decimal as a double does (real 0.1, 0.100000001490116…,
 * prints `0.1`), so under trim or numeric_scale a double narrowed to real passed
 * (test/adversarial/normalizer-float-widths); such a real is normalised from realAsDoubleSql.
 */
export function narrowedRealSql(probes: { a: SQL; b: SQL }): SQL {
  const base = (probe: SQL) => baseTypeSql(sql`pg_catalog.pg_typeof(${probe})`);
  return sql`(select case when w.a operator(pg_catalog.=) 'real'::pg_catalog.regtype and w.b operator(pg_catalog.=) 'double precision'::pg_catalog.regtype then 1
      when w.a operator(pg_catalog.=) 'double precision'::pg_catalog.regtype and w.b operator(pg_catalog.=) 'real'::pg_catalog.regtype then 2 else 0 end
    from (select ${base(probes.a)} as a, ${base(probes.b)} as b) as w)`;
}

/** A real as the double it converts to exactly; written through text, so it parses whatever the value's type. */
export function realAsDoubleSql(value: SQL): SQL {
  return sql`(${value})::text::float4::float8`;
}
