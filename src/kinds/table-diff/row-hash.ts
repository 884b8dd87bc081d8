/**
 * How table_diff turns a row into hashes, identically on two servers (or PGlite and Postgres).
 *
 * - Values are serialised as text under the settings every source pins (TimeZone UTC, ISO
 *   DateStyle, IntervalStyle, extra_float_digits, bytea_output). Numbers compare by value against
 *   numbers: numerics are written as `trim_scale(x)::text`, so 12.50 (numeric(10,2)) and
 *   12.5000000000000000 (amount_cents / 100.0) serialise alike; floats as the decimal their
 *   shortest text names, so -0 and 0 agree (as they do for `=`); every other type as `x::text`,
 *   byte for byte — output functions ignore collations, so a case-insensitive collation cannot make
 *   two texts equal. Which form a column takes depends on BOTH sides' types (valueFormsOf), as
 *   column_parity's rule does: a number compared with text is written as its own text (numeric
 *   1.50 is '1.50', never the text '1.5'), and a real compared with a double as the double it
 *   converts to (real 0.1 is 0.10000000149011612, never double 0.1).
 * - A row is the record `row(key…, value…)::text`: record output quotes any field holding a
 *   comma, quote, parenthesis, backslash or space, writes '' as "" and NULL as nothing, so two
 *   different rows can never produce the same text (no separator collisions).
 * - Row hash, in one of two modes chosen per run (both keyed by a fresh random 128-bit salt, bound
 *   as a parameter and the same on both sides; a public hash let anyone craft rows whose hashes
 *   cancel in a bucket sum — a generalised-birthday search takes seconds):
 *   - `fast`: the server's built-in 64-bit hashtextextended (lookup3, the function hash
 *     partitioning relies on) of salt || row text, seeded with 64 more bits of the salt. About a
 *     tenth of sha256's cost. It is not a cryptographic function: the 2^-62 bound below assumes
 *     the data was not crafted against lookup3's differentials (unknown seed and prefix hide the
 *     values, so sums cannot be steered; a seed-independent collision of lookup3 is not published,
 *     but nothing proves there is none). Used only when a per-run probe gives the same value on
 *     both servers (same algorithm, byte order and encoding).
 *   - `sha256`: the first 60 bits of sha256(salt || row text as UTF-8): a keyed hash no one can
 *     steer without the salt; the fallback, and what `row_hash: sha256` asks for.
 *   Only the low 62 bits of a row hash enter a bucket sum (all 60 under sha256). With an unknown
 *   salt each row contributes an independent uniform value, so an exact sum is a sound combiner:
 *   any fixed difference between two buckets leaves their sums equal with probability ≤ 2^-62
 *   (fast, under the assumption above) or ≤ 2^-60 (sha256). The sum is one sum(int8) per bucket
 *   (a 128-bit or numeric state, a numeric result), so it cannot overflow; parity compares it
 *   exactly (fingerprints.ts).
 * - Bucket hash: 31 bits per key — a multiplicative (Fibonacci) hash of the value for integer
 *   keys (cheap, and spreads strided ids), the first 31 bits of md5(key text) otherwise. A bucket
 *   at `bits` is the hash's top bits, so finer buckets nest inside coarser ones. It needs no salt:
 *   it decides where a row is looked at, never whether a difference is seen.
 */
import { randomBytes } from 'node:crypto';
import { joinSql, sql, type SQL } from '../../sql/build.js';
import { VALUE_FAMILIES } from '../exact-compare.js';
import { floatWidthsDiffer } from '../float-leaves.js';

const FLOAT_TYPES = new Set(['real', 'double precision']);
/** Bucket hashes have 31 bits; buckets use at most 30 of them. */
export const HASH_BITS = 31;

/**
 * Built-in types whose `::text` is exactly their output function's text: the cast is an I/O
 * conversion (or binary, for varchar), so record output of the bare value writes the same bytes
 * as record output of its text, and a row hash can skip the cast (one text datum per column
 * saved). Every other type keeps its `::text`: boolean (`true`, not `t`), character (trailing
 * blanks trimmed), inet/cidr, name and "char" have casts of their own, and domains or user types
 * may too.
 */
export const OUTPUT_IS_TEXT: ReadonlySet<string> = new Set([
  'smallint', 'integer', 'bigint', 'text', 'character varying', 'date', 'timestamp with time zone', 'timestamp without time zone',
  'time without time zone', 'time with time zone', 'interval', 'uuid', 'json', 'jsonb', 'bytea',
]);

/**
 * How a compared value is written into the row text, chosen per column from both sides' types
 * (valueFormsOf): `typed` — its own type's canonical form (numbers by value); `text` — its plain
 * `::text`; `double` — a real written as the double it converts to; `double_array` — a real array
 * written as the double array it converts to.
 */
export type ValueForm = 'typed' | 'text' | 'double' | 'double_array';

const NUMBER_TYPES = new Set(VALUE_FAMILIES.slice(0, 3).flat());
const familyOf = (type: string) => VALUE_FAMILIES.findIndex((family) => family.includes(type));

/** Where a type holds floats, read from its name alone (float-leaves.ts's form), for callers without the catalog's answer. */
function floatLeavesOfName(type: string): string | null {
  const float = /^(real|double precision)((?:\[\])*)$/.exec(type);
  return float ? `${float[2] ? '[]' : ''}=${float[1]}` : null;
}

/**
 * The forms of one compared column (or key column), from the type each side has — column_parity's
 * rule (exact-compare.ts), so the two kinds call the same pairs equal — and where each type holds
 * floats (float-leaves.ts; read from the names when not given). The same type: its own form.
 * Two numbers: by value (integers, numeric and floats as the decimals they name), except a real
 * against a double, which Postgres's `=` compares by converting the real exactly to a double — so
 * real 0.1 (0.100000001490116…) is not double 0.1, and a double narrowed to real is a difference.
 * An array of reals against an array of doubles (through domains, any dimensions) as the double
 * array it widens to. Any other container holding a real where the other side's holds a double —
 * a composite, a range, an array of composites, or a type of one name declared differently on two
 * servers — and an anonymous record (`row(a, b)`) against anything that holds floats has no exact
 * form: undefined, "could not verify".
 * Two types of one other family (date, timestamp, timestamptz): each its own text, stricter than `=`.
 * Any other pair — a number and text above all — by plain text on both sides: trimming or re-reading
 * only the number would make numeric 1.50 equal the text '1.5', and double 1e-05 the text '0.00001'.
 */
export function valueFormsOf(
  oldType: string, newType: string, floats: Record<'old' | 'new', string | null> = { old: floatLeavesOfName(oldType), new: floatLeavesOfName(newType) },
): Record<'old' | 'new', ValueForm> | undefined {
  if (oldType === newType && floats.old === floats.new && !floatWidthsDiffer(floats.old, floats.new)) return { old: 'typed', new: 'typed' };
  if (NUMBER_TYPES.has(oldType) && NUMBER_TYPES.has(newType)) {
    const widened = FLOAT_TYPES.has(oldType) && FLOAT_TYPES.has(newType);
    return { old: widened && oldType === 'real' ? 'double' : 'typed', new: widened && newType === 'real' ? 'double' : 'typed' };
  }
  // Element by element as for scalars: a real prints its shortest decimal (0.1) as a double does,
  // though real 0.1 is 0.100000001490116…, so by plain text a narrowed double array passed.
  const realArray = floats.old === '[]=real' && floats.new === '[]=double precision' ? 'old' : floats.old === '[]=double precision' && floats.new === '[]=real' ? 'new' : undefined;
  if (realArray) return realArray === 'old' ? { old: 'double_array', new: 'text' } : { old: 'text', new: 'double_array' };
  if (floatWidthsDiffer(floats.old, floats.new)) return undefined;
  if (oldType === newType) return { old: 'typed', new: 'typed' };
  const family = familyOf(oldType);
  if (family >= 0 && family === familyOf(newType)) return { old: 'typed', new: 'typed' };
  return { old: 'text', new: 'text' };
}

/**
 * A value whose output text is canonical, for record output in a row hash: numeric trimmed,
 * floats with -0 folded, and a `::text` cast only where the type's cast to text differs from its
 * output (canonicalTextSql of the same value always has the same text). `form` (valueFormsOf)
 * says whether the other side's type lets the value be written by value at all.
 */
export function canonicalValueSql(value: SQL, type: string, form: ValueForm = 'typed'): SQL {
  if (form === 'text') return sql`(${value})::text`;
  // float4 to float8 is exact element by element; two doubles never share a shortest text.
  if (form === 'double_array') return sql`((${value})::float8[])::text`;
  // float4 to float8 is exact, and two doubles never share a shortest text.
  if (form === 'double') return sql`trim_scale((${value})::float8::text::numeric)`;
  // Only numeric needs trim_scale: integer text already equals the trimmed numeric text of the same value.
  if (type === 'numeric') return sql`trim_scale(${value})`;
  // A float as the decimal its shortest text names, written as numerics are: 1e-05 and 0.00001,
  // 1e+15 and 1000000000000000 alike, and -0 as 0; NaN stays NaN (equal to itself, as for =).
  // Two doubles never share a shortest text, so no two floats are made equal.
  if (FLOAT_TYPES.has(type)) return sql`trim_scale((${value})::text::numeric)`;
  if (OUTPUT_IS_TEXT.has(type)) return sql`(${value})`;
  return sql`(${value})::text`;
}

/** The canonical text of a value of the given type (as pg_typeof names it), in the given form. */
export function canonicalTextSql(value: SQL, type: string, form: ValueForm = 'typed'): SQL {
  return sql`${canonicalValueSql(value, type, form)}::text`;
}

/** The key as one text: the value itself for one column, a record for several. */
export function keyTextSql(keyTexts: readonly SQL[]): SQL {
  return keyTexts.length === 1 ? keyTexts[0]! : sql`row(${joinSql([...keyTexts])})::text`;
}

/**
 * 31-bit bucket hash of a single integer key: ((lo31 xor hi31) × 0x61C88647) mod 2^31. The masks
 * are int8 so `&` has an exact pg_catalog match (it has no int8 & int4, which a schema on the
 * search path could then supply).
 */
export function integerKeyHashSql(key: SQL): SQL {
  const x = sql`(${key})::int8`;
  const mask = sql.raw('2147483647::int8');
  return sql`((((${x} & ${mask}) # ((${x} >> 31) & ${mask})) * 1640531527) & ${mask})`;
}

/**
 * 31-bit bucket hash of any key, from md5 of its canonical text. Under sha256 (the mode of servers
 * whose encodings differ) the md5 is of the text's UTF-8 bytes: md5 of a text hashes it in the
 * server's encoding, where 'é' is one byte in LATIN1 and two in UTF-8, so each side bucketed a
 * non-ASCII key apart and reported it missing on both. The fast mode runs only between servers
 * of one encoding, whose bytes already agree.
 */
export function textKeyHashSql(keyText: SQL, mode: RowHashMode): SQL {
  const bytes = mode === 'sha256' ? sql`convert_to(${keyText}, 'UTF8')` : keyText;
  return sql`(('x' || substr(md5(${bytes}), 1, 8))::bit(31)::int4)::int8`;
}

/** A fresh secret for one run's row hashes: 128 random bits as 32 hex digits. */
export function newRowHashSalt(): string {
  return randomBytes(16).toString('hex');
}

/** How row hashes are computed: the built-in seeded hash, or sha256 (see the top of this file). */
export type RowHashMode = 'fast' | 'sha256';

function checkSalt(salt: string): void {
  if (!/^[0-9a-f]{32}$/.test(salt)) throw new Error('a row-hash salt is 32 hex digits');
}

/** The fast mode's 64-bit seed: the salt's last 16 hex digits as a signed bigint's decimal text. */
export function rowHashSeed(salt: string): string {
  checkSalt(salt);
  return BigInt.asIntN(64, BigInt(`0x${salt.slice(16)}`)).toString();
}

/** The keyed hash of a text under the given mode (the salt a fixed-length prefix, so where it ends is unambiguous). */
function keyedHashSql(text: SQL, salt: string, mode: RowHashMode): SQL {
  checkSalt(salt);
  const salted = sql`${salt} || ${text}`;
  // collate "C": hashing is by bytes whatever the database's default collation.
  if (mode === 'fast') return sql`hashtextextended((${salted}) collate "C", ${rowHashSeed(salt)}::int8)`;
  // UTF-8 bytes, so servers with different encodings agree.
  return sql`('x' || substr(encode(sha256(convert_to(${salted}, 'UTF8')), 'hex'), 1, 15))::bit(60)::int8`;
}

/**
 * The row's keyed hash (a bigint) over canonical key and value expressions (canonicalValueSql):
 * record output writes each field with its type's output function, so the row text is the same
 * as that of the row of their canonical texts.
 */
export function rowHashSql(values: readonly SQL[], salt: string, mode: RowHashMode): SQL {
  return keyedHashSql(sql`row(${joinSql([...values])})::text`, salt, mode);
}

/** A fixed text with multi-byte characters and more than one lookup3 block, hashed by the probe. */
export const ROW_HASH_PROBE_TEXT = 'parity probe: é ü ß ✓ 漢字 — 0123456789';

/**
 * The per-run probe of the fast mode: the server's encoding and its keyed hash of a fixed text.
 * Both sides must answer the same, or the run hashes with sha256 (another algorithm, byte order
 * or encoding would make equal rows differ).
 */
export function rowHashProbeSql(salt: string): SQL {
  return sql`select current_setting('server_encoding') as encoding, ${keyedHashSql(sql`${ROW_HASH_PROBE_TEXT}::text`, salt, 'fast')}::text as probe`;
}

/**
 * A bucket's sum of row hashes as exact decimal text: Σ (rh mod 2^62). sum(int8) accumulates in
 * 128 bits where the server has them (numeric otherwise) and returns numeric, so it cannot
 * overflow. One aggregate instead of two int4 sums of 31-bit halves: 9–20% less CPU per pass
 * measured, at ~234 bytes of hash table per bucket (fingerprintReadOptions sizes work_mem for it).
 */
export function rowHashSumSql(rh: SQL): SQL {
  return sql`sum(${rh} & 4611686018427387903)::text`;
}

/** A 32-bit hash of one value (NULL stays NULL), to say which columns of a changed row differ. */
export function valueHashSql(text: SQL): SQL {
  return sql`('x' || substr(md5(${text}), 1, 8))::bit(32)::int4`;
}

/** The bucket of hash `h` at the given number of bits. */
export function bucketSql(hash: SQL, bits: number): SQL {
  return sql`(${hash} >> ${sql.raw(String(HASH_BITS - bits))})`;
}
