/**
 * Key ranges in SQL: a key (one column or several, compared as a row) between two key values
 * read back as text. Chunked scans and table_diff's segments both cut a table this way; a range
 * (after, upTo] with open ends where absent, so consecutive ranges cover the key space.
 */
import { columnSql, joinSql, sql, tableSql, type SQL } from '../sql/build.js';
import type { KeyColumn } from '../introspect/primary-key.js';
import type { TableRef } from '../sql/identifiers.js';

const SAFE_TYPE = /^[a-z0-9_ ."()[\],]+$/i;

/**
 * SQL's grammar reads `character` and `bit` without a length as length 1, and a cast to them
 * truncates: a key type as pg_typeof names it (no typmod) cast 'abc' to 'a', so every segment of a
 * table_diff over a char(n) key ended at the same bound and the run failed as key_order_differs.
 * Their catalog names take no implied length (pg_catalog.bpchar, pg_catalog."bit").
 */
const LENGTH_IMPLIED: Record<string, string> = { character: 'pg_catalog.bpchar', bit: 'pg_catalog."bit"' };

/** The key type as a cast names it: its own name, or the catalog name where the grammar would imply a length (arrays too). */
export function castType(type: string): SQL {
  const [, element = type, dimensions = ''] = /^(.*?)((?:\[\])*)$/.exec(type) ?? [];
  return sql.raw(LENGTH_IMPLIED[element] === undefined ? type : `${LENGTH_IMPLIED[element]}${dimensions}`);
}

/** A key value (texts as `::text` wrote them) cast back to the key's types: a value or a row. */
export function keyBound(key: KeyColumn[], values: string[]): SQL {
  return key.length === 1
    ? sql`${values[0]}::${castType(key[0]!.type)}`
    : sql`(${joinSql(key.map((k, i) => sql`${values[i]}::${castType(k.type)}`))})`;
}

/** The key columns as one comparable: the column, or a row of them (compared lexicographically). */
export function keyTuple(key: KeyColumn[]): SQL {
  return key.length === 1 ? columnSql(key[0]!.name) : sql`(${joinSql(key.map((k) => columnSql(k.name)))})`;
}

/**
 * Key types pg_catalog has `<`, `<=` and `>` for with exactly these argument types (typmods aside):
 * a bare comparison of two such values binds to pg_catalog's operator, whatever the schemas after
 * pg_catalog on the search path hold.
 */
const CATALOG_ORDERED = new Set([
  'smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision', 'text', 'uuid', 'bytea', 'boolean', 'oid',
  'date', 'time without time zone', 'timestamp without time zone', 'timestamp with time zone', 'interval',
]);
const TYPMOD = /\(\d+(?:,\s*\d+)?\)/g;

/**
 * Every other single-column key (varchar, character, enums, domains, arrays, extension types) has
 * no pg_catalog operator of exactly its types, and Postgres takes an exact one from any schema on
 * the path before pg_catalog's implicit-cast candidates: a look-alike `>(varchar, varchar)` that is
 * always false made a chunked scan read one chunk and pass. Such a key is compared as the row
 * (k, k): a row comparison of two or more columns accepts only an operator of a btree family,
 * which only a superuser can create, so a look-alike makes the statement fail instead of answer.
 * (k, k) > (v, v) is k > v (likewise <, <=), and the primary-key index still serves it (its
 * Index Cond is the row comparison).
 */
const comparedAsRow = (key: KeyColumn[]): boolean => key.length === 1 && !CATALOG_ORDERED.has(key[0]!.type.replace(TYPMOD, ''));

/** The key as a range predicate compares it: keyTuple, or (k, k) where a bare comparison could bind to a look-alike. */
export function comparableKey(key: KeyColumn[]): SQL {
  return comparedAsRow(key) ? sql`(${keyTuple(key)}, ${keyTuple(key)})` : keyTuple(key);
}

/** A key value as a range predicate compares it with comparableKey. */
export function comparableBound(key: KeyColumn[], values: string[]): SQL {
  return comparedAsRow(key) ? sql`(${keyBound(key, values)}, ${keyBound(key, values)})` : keyBound(key, values);
}

/**
 * A key value as comparableBound writes it, but in the collation the key's columns have in `table`:
 * each text coalesced with the column's typed NULL (`(select k from t limit 0)`, which reads no row),
 * whose implicit collation outranks a literal's default one. Bare, two bounds compare under the
 * database's default collation, which need not be the column's order.
 */
export function collatedBound(table: TableRef, key: KeyColumn[], values: string[]): SQL {
  const collated = key.map((k, i) => sql`coalesce((select ${columnSql(k.name)} from ${tableSql(table)} limit 0), ${values[i]}::${castType(k.type)})`);
  const bound = key.length === 1 ? collated[0]! : sql`(${joinSql(collated)})`;
  return comparedAsRow(key) ? sql`(${bound}, ${bound})` : bound;
}

/** Refuses key type names that are not plain (they are written into the SQL as casts). */
export function checkKeyTypes(key: KeyColumn[]): void {
  for (const k of key) if (!SAFE_TYPE.test(k.type)) throw new Error(`unsupported key type ${k.type}`);
}

/** The predicates of the key range (after, upTo]: none for an open end (the whole key space for neither). */
export function keyRangeBounds(key: KeyColumn[], after: string[] | undefined, upTo: string[] | undefined): SQL[] {
  checkKeyTypes(key);
  return [
    ...(after === undefined ? [] : [sql`${comparableKey(key)} > ${comparableBound(key, after)}`]),
    ...(upTo === undefined ? [] : [sql`${comparableKey(key)} <= ${comparableBound(key, upTo)}`]),
  ];
}

/**
 * The `n`-th key after `after` (or from the first key), in key order, as the texts `k_0`, `k_1`, …
 * (readNthKey): where the next chunk or segment ends. The key's index serves it, and ORDER BY
 * sorts by the key type's default btree opclass, where an aggregate (max, array_agg) is looked up
 * by name and a look-alike max(varchar) on the search path would answer. No row back: fewer than
 * `n` keys remain. `conditions` narrow the rows first (a side's WHERE, its non-NULL keys).
 */
export function nthKeySql(table: TableRef, key: KeyColumn[], after: string[] | undefined, n: number, conditions: readonly SQL[] = []): SQL {
  const where = [...conditions, ...keyRangeBounds(key, after, undefined)];
  const filter = where.length === 0 ? sql`` : sql` where ${joinSql(where, sql` and `)}`;
  const texts = key.map((k, i) => sql`(${columnSql(k.name)})::text as ${sql.identifier(`k_${i}`)}`);
  return sql`select ${joinSql(texts)} from ${tableSql(table)}${filter} order by ${joinSql(key.map((k) => columnSql(k.name)))} offset ${n - 1} limit 1`;
}

/** The key texts of an nthKeySql row (undefined: no row, fewer keys remain). */
export function readNthKey(row: Record<string, unknown> | undefined, key: readonly KeyColumn[]): string[] | undefined {
  return row === undefined ? undefined : key.map((_, i) => String(row[`k_${i}`]));
}
