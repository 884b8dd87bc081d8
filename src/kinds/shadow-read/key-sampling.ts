/**
 * Uniform key samples that stay cheap at any table size. Never `ORDER BY random()` (a full sort).
 *
 * Two methods, both giving every key in scope the same chance:
 * - **draws** (single integer key): uniform random integers in [min(key), max(key)] are probed
 *   on the key with `= any($draws)` (index lookups), misses discarded, and the distinct hits taken
 *   in draw order until the sample is full. Because each draw is uniform over the range and every
 *   existing key occupies exactly one value, each key is equally likely on every draw, so the
 *   first n distinct hits are a uniform sample without replacement — however sparse or clustered
 *   the keys are. Costs O(sample / density) index probes; falls back to BERNOULLI when the keys
 *   (or the `where` filter) are too sparse for probing to pay off.
 * - **bernoulli** (any key): `TABLESAMPLE BERNOULLI(p) REPEATABLE(seed)` keeps each row
 *   independently with probability p (a full, cheap sequential pass, no sort); p is sized from
 *   the row estimate so about 1.2 × n rows come back, retried larger when too few do, and a
 *   uniform subset of exactly n is taken in memory. A result that hit the row cap is discarded,
 *   never truncated (truncation would favour early pages).
 *
 * Rejected: `TABLESAMPLE SYSTEM` samples whole pages, so rows stored together (inserted together,
 * updated together — exactly what migrations and bugs produce) are picked together; its variance
 * is that of a cluster sample, and it must never back a statistical claim.
 *
 * Known bias, stated in the docs: keys are sampled when the check starts; rows inserted later are
 * not in scope, and rows deleted before they are read are dropped from the sample (reported as
 * `vanished`), which slightly under-represents short-lived rows.
 */
import { columnSql, joinSql, predicateSql, sql, tableSql, type SQL } from '../../sql/build.js';
import type { TableRef } from '../../sql/identifiers.js';
import { keyArrayLiteral } from '../../compare/key-literal.js';
import { rowEstimateSql } from '../../introspect/row-estimate.js';

export interface KeyScope {
  table: TableRef;
  where?: string | undefined;
}

/**
 * Key columns as text, aliased k_0…k_n, and as JSON (`to_json`), aliased j_0…j_n, in key order.
 * The JSON form is what an HTTP read path must answer with (src/kinds/shadow-read/record-key.ts).
 */
function keyTextColumns(keyColumns: readonly string[]): SQL {
  return joinSql(keyColumns.flatMap((k, i) => [
    sql`(${columnSql(k)})::text as ${sql.identifier(`k_${i}`)}`,
    sql`to_json(${columnSql(k)})::text as ${sql.identifier(`j_${i}`)}`,
  ]));
}

function notNullKeys(keyColumns: readonly string[]): SQL {
  return joinSql(keyColumns.map((k) => sql`${columnSql(k)} is not null`), sql` and `);
}

/** Range, type and size of a single key column, read from the index (min/max) and pg_class. */
export function planKeyRange(scope: KeyScope, keyColumn: string): SQL {
  const k = columnSql(keyColumn);
  return sql`select min(${k})::text as lo, max(${k})::text as hi, ${rowEstimateSql(scope.table)} as estimate
    from ${tableSql(scope.table)}`;
}

/**
 * The key column's type, read before asking for its range: `min()` does not exist for every
 * type a key may have (uuid before PostgreSQL 18, and on PGlite), and only integer keys use the
 * range. NULL when the table is empty.
 */
export function planKeyType(scope: KeyScope, keyColumn: string): SQL {
  return sql`select pg_typeof(${columnSql(keyColumn)})::text as key_type from ${tableSql(scope.table)} limit 1`;
}

/** The row estimate alone (composite or non-integer keys). */
export function planScopeEstimate(scope: KeyScope): SQL {
  return sql`select ${rowEstimateSql(scope.table)} as estimate`;
}

/** Probes drawn integer keys: returns those that exist (and are in scope). */
export function planKeyDraws(scope: KeyScope, keyColumn: string, draws: readonly bigint[]): SQL {
  return sql`select (${columnSql(keyColumn)})::text as k_0, to_json(${columnSql(keyColumn)})::text as j_0 from ${tableSql(scope.table)}
    where ${columnSql(keyColumn)} = any(${keyArrayLiteral(draws.map(String))}) and ${predicateSql(scope.where)}`;
}

/** A Bernoulli row sample of the keys in scope, at most `cap` rows. */
export function planBernoulliKeys(scope: KeyScope, keyColumns: readonly string[], percent: number, seed: number, cap: number): SQL {
  return sql`select ${keyTextColumns(keyColumns)}
    from ${tableSql(scope.table)} tablesample bernoulli (${percent}) repeatable (${seed})
    where ${notNullKeys(keyColumns)} and ${predicateSql(scope.where)}
    limit ${cap}`;
}

export const INTEGER_KEY_TYPES = new Set(['smallint', 'integer', 'bigint']);
/** Below this share of hits per draw, probing costs more than one Bernoulli pass. */
export const MIN_HIT_RATE = 0.02;
export const MAX_DRAWS_PER_ROUND = 50_000;
export const MAX_DRAW_ROUNDS = 12;

export interface KeyRange { lo: bigint; hi: bigint; estimate?: number | undefined }

/** Draws pay off for a dense-enough integer key and a population well above the sample size. */
export function drawsApply(range: KeyRange, size: number): boolean {
  const span = Number(range.hi - range.lo + 1n);
  if (span <= 4 * size) return false;
  if (range.estimate !== undefined && range.estimate <= 4 * size) return false;
  return range.estimate === undefined || range.estimate / span >= MIN_HIT_RATE;
}

/** How many integers to draw next, given the keys still needed and the hit rate so far. */
export function nextDrawCount(needed: number, hitRate: number): number {
  const rate = Math.min(1, Math.max(hitRate, MIN_HIT_RATE));
  return Math.min(MAX_DRAWS_PER_ROUND, Math.ceil((needed / rate) * 1.25) + 16);
}

/** Appends, in draw order, each drawn value that hit and is new; stops once `size` keys are held. */
export function collectHits(draws: readonly bigint[], hits: ReadonlySet<string>, collected: Set<string>, size: number): void {
  for (const draw of draws) {
    if (collected.size >= size) return;
    const text = draw.toString();
    if (hits.has(text)) collected.add(text);
  }
}

/** Bernoulli percentage expected to return about 1.2 × size rows out of `estimate`. */
export function bernoulliPercent(size: number, estimate: number | undefined): number {
  if (estimate === undefined || estimate <= 0) return 100;
  return Math.min(100, (100 * (size * 1.2 + 10)) / estimate);
}

/** Rows beyond which a Bernoulli result is discarded rather than truncated. */
export function bernoulliCap(size: number): number {
  return size * 10 + 1_000;
}

export type BernoulliStep = { accept: 'subsample' | 'all' } | { retry: number };

/** After a Bernoulli pass returning `got` rows: accept, or the percentage to retry with. */
export function nextBernoulliStep(got: number, size: number, percent: number, cap: number): BernoulliStep {
  if (got >= cap) return { retry: Math.max(1e-6, (percent * size * 1.5) / got) };
  if (got >= size) return { accept: 'subsample' };
  if (percent >= 100) return { accept: 'all' };
  return { retry: Math.min(100, percent * Math.max(2, (1.5 * size) / Math.max(got, 1))) };
}
