/**
 * Key ranges in SQL: a key (one column or several, compared as a row) between two key values
 * read back as text. Chunked scans and table_diff's segments both cut a table this way; a range
 * (after, upTo] with open ends where absent, so consecutive ranges cover the key space.
 */
import { columnSql, joinSql, sql, type SQL } from '../sql/build.js';
import type { KeyColumn } from '../introspect/primary-key.js';

const SAFE_TYPE = /^[a-z0-9_ ."()[\],]+$/i;

/** A key value (texts as `::text` wrote them) cast back to the key's types: a value or a row. */
export function keyBound(key: KeyColumn[], values: string[]): SQL {
  return key.length === 1
    ? sql`${values[0]}::${sql.raw(key[0]!.type)}`
    : sql`(${joinSql(key.map((k, i) => sql`${values[i]}::${sql.raw(k.type)}`))})`;
}

/** The key columns as one comparable: the column, or a row of them (compared lexicographically). */
export function keyTuple(key: KeyColumn[]): SQL {
  return key.length === 1 ? columnSql(key[0]!.name) : sql`(${joinSql(key.map((k) => columnSql(k.name)))})`;
}

/** Refuses key type names that are not plain (they are written into the SQL as casts). */
export function checkKeyTypes(key: KeyColumn[]): void {
  for (const k of key) if (!SAFE_TYPE.test(k.type)) throw new Error(`unsupported key type ${k.type}`);
}

/** The predicates of the key range (after, upTo]: none for an open end (the whole key space for neither). */
export function keyRangeBounds(key: KeyColumn[], after: string[] | undefined, upTo: string[] | undefined): SQL[] {
  checkKeyTypes(key);
  return [
    ...(after === undefined ? [] : [sql`${keyTuple(key)} > ${keyBound(key, after)}`]),
    ...(upTo === undefined ? [] : [sql`${keyTuple(key)} <= ${keyBound(key, upTo)}`]),
  ];
}

