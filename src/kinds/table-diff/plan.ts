/**
 * SQL of table_diff, one function per statement, so a benchmark can run exactly the same text
 * through psql. Every statement reads one side; parity runs the two sides concurrently.
 */
import { keyArrayLiteral } from '../../compare/key-literal.js';
import { arrayLiteralText } from '../../sql/array-literal.js';
import {
  bucketSql, canonicalTextSql, canonicalValueSql, integerKeyHashSql, keyTextSql, rowHashSql, rowHashSumSql, textKeyHashSql, valueHashSql, type RowHashMode,
  type ValueForm,
} from './row-hash.js';
import { joinSql, predicateSql, sql, tableSql, type SQL } from '../../sql/build.js';
import type { TableRef } from '../../sql/identifiers.js';
import { rowEstimateSql } from '../../introspect/row-estimate.js';
import { baseTypeSql } from '../exact-compare.js';

/** One side of the diff: where its rows are and the expressions compared (already normalised). */
export interface DiffSide {
  source: string;
  table: TableRef;
  where?: string | undefined;
  keys: SQL[];
  values: SQL[];
  /** A segment's key range (segments.ts): every pass then reads only rows inside it. */
  range?: SQL | undefined;
  /**
   * How each key and value is written, decided from both sides' types (row-hash.ts valueFormsOf;
   * spec.ts withValueForms). Absent: each in its own type's form, right only when both sides have
   * the same types.
   */
  forms?: { keys: ValueForm[]; values: ValueForm[] } | undefined;
}

/**
 * pg_typeof of each key and value expression, as the canonical serialisation depends on it, and
 * where each type holds floats (float-leaves.ts; absent: read from the type names) and composites.
 */
export interface SideTypes {
  keys: string[];
  values: string[];
  floats?: { keys: (string | null)[]; values: (string | null)[] };
  /** The field names of the composites each type holds (composite-fields.ts; absent: not read). */
  fields?: { keys: (string | null)[]; values: (string | null)[] };
}

/** How rows are hashed (must be the same on both sides): the bucket hash, the run's row-hash salt and mode. */
export interface HashScheme { integerKey: boolean; salt: string; rowHash: RowHashMode }

/** Column names in order of the table with this oid (for `columns:` left out; '': no table, no columns). */
export function planTableColumns(tableOid: string): SQL {
  return sql`select attname::text as name from pg_attribute
    where attrelid = nullif(${tableOid}, '')::oid and attnum > 0 and not attisdropped order by attnum`;
}

/** Types of every key and value expression (a typed NULL from an empty subquery: reads no row). */
export function planSideTypes(side: DiffSide): SQL {
  // A domain as the type it is declared over: its values are that type's (exact-compare.ts baseTypeSql).
  const probe = (e: SQL) => sql`pg_typeof((select ${e} from ${tableSql(side.table)} limit 0))`;
  const typeOf = (e: SQL, alias: string) => sql`${baseTypeSql(probe(e))}::text as ${sql.identifier(alias)}`;
  // Each type's oid too: where it holds floats, inside whatever containers, is read from it (a
  // type's name says nothing of that across two servers, and a real inside a composite prints as
  // a double does).
  return sql`select ${joinSql([
    ...side.keys.map((e, i) => typeOf(e, `k_${i}`)),
    ...side.values.map((e, i) => typeOf(e, `v_${i}`)),
    // Keys first, then values: the types whose floats float-leaves.ts walks.
    sql`array[${joinSql([...side.keys, ...side.values].map((e) => sql`${probe(e)}::oid`))}]::text as type_oids`,
    sql`${rowEstimateSql(side.table)} as estimate`,
  ])}`;
}

function canonical(side: DiffSide, types: SideTypes) {
  return {
    keys: side.keys.map((e, i) => canonicalTextSql(e, types.keys[i]!, side.forms?.keys[i])),
    values: side.values.map((e, i) => canonicalTextSql(e, types.values[i]!, side.forms?.values[i])),
  };
}

/**
 * Rows in scope with their bucket hash `h` and row hash `rh`, plus whatever `extra` selects. A row
 * with a NULL key column gets no bucket (`h` is NULL): the first pass counts those rows in a NULL
 * group so the check can refuse them, and every filtered pass (`h >> n = any(…)`) leaves them out.
 * The bucket filter is part of the scan's WHERE, so rows outside the buckets are never hashed.
 */
function hashedRowsSql(side: DiffSide, types: SideTypes, scheme: HashScheme, within: Within | undefined, extra: SQL[] = []): SQL {
  const text = canonical(side, types);
  const keyHash = scheme.integerKey ? integerKeyHashSql(side.keys[0]!) : textKeyHashSql(keyTextSql(text.keys), scheme.rowHash);
  const anyNullKey = joinSql(side.keys.map((k) => sql`${k} is null`), sql` or `);
  const hash = sql`case when ${anyNullKey} then null else ${keyHash} end`;
  // Record output writes each field with its own output function: the bare canonical values give
  // the same row text as their texts would, without a text datum per column.
  const values = [
    ...side.keys.map((e, i) => canonicalValueSql(e, types.keys[i]!, side.forms?.keys[i])),
    ...side.values.map((e, i) => canonicalValueSql(e, types.values[i]!, side.forms?.values[i])),
  ];
  const columns = [sql`${hash} as h`, sql`${rowHashSql(values, scheme.salt, scheme.rowHash)} as rh`, ...extra];
  const inBuckets = within ? sql` and ${bucketSql(hash, within.bits)} = any(${arrayLiteralText(within.buckets.map(String))})` : sql``;
  const inRange = side.range ? sql` and ${side.range}` : sql``;
  return sql`select ${joinSql(columns)} from ${tableSql(side.table)} where ${predicateSql(side.where)}${inRange}${inBuckets}`;
}

/** Buckets at `bits` that a pass is restricted to. */
type Within = { bits: number; buckets: readonly number[] };

/**
 * The fingerprint pass: per bucket, row count and the sum of row hashes — one GROUP BY over the
 * table (or only over the given coarser buckets when refining). A first pass also returns a row
 * with `b` NULL counting the rows whose key has a NULL column. The hashed rows are an `offset 0`
 * subquery on purpose: flattened, the planner estimates the buckets from the key's distinct count
 * (a group per row), so it sorts and spills instead of hash-aggregating, and its inflated cost
 * turns on JIT inlining and optimisation (0.3 s per 2M rows); fenced, it guesses 200 groups. Below
 * the fence the rows can still be hashed in parallel workers (fingerprintReadOptions, table-diff.ts).
 */
export function planFingerprint(side: DiffSide, types: SideTypes, scheme: HashScheme, bits: number, within?: Within): SQL {
  return sql`select ${bucketSql(sql`h`, bits)} as b, count(*) as n, ${rowHashSumSql(sql`rh`)} as s
    from (${hashedRowsSql(side, types, scheme, within)} offset 0) as x group by 1`;
}

/** The row hash's low 62 bits (what bucket sums add up) as non-negative decimal text. */
const ROW_HASH_LOW_BITS_SQL = sql`(rh & 4611686018427387903)::text`;

/** Rows of the given buckets as key texts, row hash, bucket and one hash per value (the drill-down). */
export function planLeafRows(side: DiffSide, types: SideTypes, scheme: HashScheme, bits: number, buckets: readonly number[]): SQL {
  const text = canonical(side, types);
  const extra = [
    ...text.keys.map((k, i) => sql`${k} as ${sql.identifier(`k_${i}`)}`),
    ...text.values.map((v, i) => sql`${valueHashSql(v)} as ${sql.identifier(`c_${i}`)}`),
  ];
  const keys = text.keys.map((_, i) => sql.identifier(`k_${i}`));
  const values = text.values.map((_, i) => sql.identifier(`c_${i}`));
  // The bucket too: the rows of each bucket must add up to its print (buckets.ts unreproducedBucket).
  return sql`select ${joinSql([...keys.map((k) => sql`${k}`), sql`${ROW_HASH_LOW_BITS_SQL} as rh`, sql`${bucketSql(sql`h`, bits)} as b`, ...values.map((v) => sql`${v}`)])}
    from (${hashedRowsSql(side, types, scheme, { bits, buckets }, extra)}) as x`;
}

/** Up to `limit` key texts from buckets known to exist on this side only (for samples). */
export function planBucketKeys(side: DiffSide, types: SideTypes, scheme: HashScheme, bits: number, buckets: readonly number[], limit: number): SQL {
  const text = canonical(side, types);
  const extra = text.keys.map((k, i) => sql`${k} as ${sql.identifier(`k_${i}`)}`);
  return sql`select ${joinSql(text.keys.map((_, i) => sql`${sql.identifier(`k_${i}`)}`))}
    from (${hashedRowsSql(side, types, scheme, { bits, buckets }, extra)}) as x limit ${limit}`;
}

/**
 * Full rows (canonical texts) for the given keys. Each key column is matched with `= any` (index
 * lookups; a superset for composite keys, and under a case-insensitive collation 'a' matches 'A'),
 * then the exact key text, compared byte for byte, picks the rows.
 */
export function planRowsByKey(side: DiffSide, types: SideTypes, keys: readonly string[][]): SQL {
  const text = canonical(side, types);
  // `k = any(…)` lets the key's index find the rows; the exact text match below decides. An array
  // key has no array-of-arrays type to compare with, so only the exact match selects its rows.
  const perColumn = side.keys.flatMap((k, i) => (types.keys[i]!.endsWith('[]') ? [] : [sql`${k} = any(${keyArrayLiteral(keys.map((parts) => parts[i]!))})`]));
  const exact = [sql`(${keyTextSql(text.keys)}) collate "C" = any(${keyArrayLiteral(keys.map((parts) => keyTextOf(parts)))}::text[])`];
  const columns = [
    ...text.keys.map((k, i) => sql`${k} as ${sql.identifier(`k_${i}`)}`),
    ...text.values.map((v, i) => sql`${v} as ${sql.identifier(`v_${i}`)}`),
  ];
  return sql`select ${joinSql(columns)} from ${tableSql(side.table)}
    where ${joinSql([...perColumn, ...exact], sql` and `)} and ${predicateSql(side.where)}`;
}

/** What record output makes of key texts, mirroring keyTextSql for composite keys. */
export function keyTextOf(parts: readonly string[]): string {
  if (parts.length === 1) return parts[0]!;
  // record_out quotes empty values and any holding " \ ( ) , or C isspace(), doubling " and \.
  const field = (p: string) => (p === '' || /[",()\\ \t\n\r\v\f]/.test(p) ? `"${p.replaceAll('\\', '\\\\').replaceAll('"', '""')}"` : p);
  return `(${parts.map(field).join(',')})`;
}
