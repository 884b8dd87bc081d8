/**
 * How table_diff turns a row into hashes, identically on two servers (or PGlite and Postgres).
 *
 * - Values are serialised as text under the settings every source pins (TimeZone UTC, ISO
 *   DateStyle, IntervalStyle, extra_float_digits, bytea_output). Integers and numerics compare by
 *   value: numerics are written as `trim_scale(x)::text`, so 12.50 (numeric(10,2)) and
 *   12.5000000000000000 (amount_cents / 100.0) serialise alike; floats as `(x + 0)::text`, so -0
 *   and 0 agree (as they do for `=`); every other type as `x::text`, byte for byte — output
 *   functions ignore collations, so a case-insensitive collation cannot make two texts equal.
 * - A row is the record `row(key…, value…)::text`: record output quotes any field holding a
 *   comma, quote, parenthesis, backslash or space, writes '' as "" and NULL as nothing, so two
 *   different rows can never produce the same text (no separator collisions).
 * - Row hash: the first 60 bits of sha256(salt || row text) as a bigint, the salt a fresh random
 *   value per run, bound as a parameter and the same on both sides. A public hash let anyone craft
 *   rows whose hashes cancel in a bucket sum (a generalised-birthday search takes seconds); with an
 *   unknown salt each row's hash is an independent uniform 60-bit value, so a plain exact sum is a
 *   sound combiner: any fixed difference between two buckets leaves their sums equal with
 *   probability ≤ 2^-60. Bucket sums are numeric, so they cannot overflow, and parity compares them
 *   exactly (as two doubles, see fingerprints.ts).
 * - Bucket hash: 31 bits per key — a multiplicative (Fibonacci) hash of the value for integer
 *   keys (cheap, and spreads strided ids), the first 31 bits of md5(key text) otherwise. A bucket
 *   at `bits` is the hash's top bits, so finer buckets nest inside coarser ones. It needs no salt:
 *   it decides where a row is looked at, never whether a difference is seen.
 */
import { randomBytes } from 'node:crypto';
import { joinSql, sql, type SQL } from '../../sql/build.js';

const FLOAT_TYPES = new Set(['real', 'double precision']);
/** Bucket hashes have 31 bits; buckets use at most 30 of them. */
export const HASH_BITS = 31;

/**
 * The canonical text of a value of the given type (as pg_typeof names it). Only numeric needs
 * trim_scale: integer text already equals the trimmed numeric text of the same value.
 */
export function canonicalTextSql(value: SQL, type: string): SQL {
  if (type === 'numeric') return sql`trim_scale(${value})::text`;
  // IEEE -0 + 0 is +0, so the two zeros serialise alike; NaN stays NaN (equal to itself, as for =).
  if (FLOAT_TYPES.has(type)) return sql`((${value}) + '0')::text`;
  return sql`(${value})::text`;
}

/** The key as one text: the value itself for one column, a record for several. */
export function keyTextSql(keyTexts: readonly SQL[]): SQL {
  return keyTexts.length === 1 ? keyTexts[0]! : sql`row(${joinSql([...keyTexts])})::text`;
}

/** 31-bit bucket hash of a single integer key: ((lo31 xor hi31) × 0x61C88647) mod 2^31. */
export function integerKeyHashSql(key: SQL): SQL {
  const x = sql`(${key})::int8`;
  return sql`((((${x} & 2147483647) # ((${x} >> 31) & 2147483647)) * 1640531527) & 2147483647)`;
}

/** 31-bit bucket hash of any key, from md5 of its canonical text. */
export function textKeyHashSql(keyText: SQL): SQL {
  return sql`(('x' || substr(md5(${keyText}), 1, 8))::bit(31)::int4)::int8`;
}

/** A fresh secret for one run's row hashes: 128 random bits as 32 hex digits. */
export function newRowHashSalt(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The row's 60-bit keyed hash over the canonical texts of key and values. The salt is a fixed-length
 * prefix (no ambiguity about where it ends) and the row text is hashed as UTF-8, so servers with
 * different encodings agree.
 */
export function rowHashSql(texts: readonly SQL[], salt: string): SQL {
  if (!/^[0-9a-f]{32}$/.test(salt)) throw new Error('a row-hash salt is 32 hex digits');
  const text = sql`${salt} || row(${joinSql([...texts])})::text`;
  return sql`('x' || substr(encode(sha256(convert_to(${text}, 'UTF8')), 'hex'), 1, 15))::bit(60)::int8`;
}

/** A 32-bit hash of one value (NULL stays NULL), to say which columns of a changed row differ. */
export function valueHashSql(text: SQL): SQL {
  return sql`('x' || substr(md5(${text}), 1, 8))::bit(32)::int4`;
}

/** The bucket of hash `h` at the given number of bits. */
export function bucketSql(hash: SQL, bits: number): SQL {
  return sql`(${hash} >> ${sql.raw(String(HASH_BITS - bits))})`;
}
