/**
 * Draws the key sample of a shadow read through the execution context, following the plans and
 * decisions in src/stats/key-sampling.ts (which documents why the sample is uniform).
 */
import {
  INTEGER_KEY_TYPES, MAX_DRAW_ROUNDS, MIN_HIT_RATE, bernoulliCap, bernoulliPercent, collectHits, drawsApply,
  nextBernoulliStep, nextDrawCount, planBernoulliKeys, planKeyDraws, planKeyRange, planKeyType, planScopeEstimate, type KeyScope,
} from './key-sampling.js';
import { sampleWithoutReplacement, type Random } from '../../stats/random.js';
import { keyId } from '../../compare/key-literal.js';
import { readEstimate } from '../../introspect/row-estimate.js';
import type { ExecutionContext } from '../types.js';
import { Fault } from '../../results/fault.js';
import { formatTableRef } from '../../sql/identifiers.js';

export interface KeySampleScope extends KeyScope { source: string }

export interface KeySample {
  /** Sampled keys as text parts (one per key column), in random order. */
  keys: string[][];
  /** Each sampled key's columns as `to_json` text, by keyId of its text parts. */
  json: Map<string, string[]>;
  method: 'draws' | 'bernoulli';
  /** Statements run to draw the sample. */
  rounds: number;
  /** True when fewer keys exist in scope than were asked for: the sample is the whole population. */
  exhausted: boolean;
}

const MAX_BERNOULLI_ROUNDS = 10;

/**
 * A key that appears twice in one sampling statement is not unique in scope. Counting each
 * appearance as a key compared would make n the number of rows, not of keys: a key with 2,000
 * rows fills most of the sample with copies of one verdict, and the bound is no longer about keys.
 * The records of such a key are not well defined either, so: could not verify.
 */
function duplicateKey(scope: KeySampleScope, keyColumns: readonly string[], keys: readonly string[][]): Fault {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const parts of keys) {
    const id = keyId(parts);
    if (seen.has(id)) repeated.add(id);
    seen.add(id);
  }
  const shown = [...repeated].slice(0, 5).join(', ');
  return new Fault({
    code: 'duplicate_key',
    message: `the key (${keyColumns.join(', ')}) is not unique in ${formatTableRef(scope.table)}${scope.where === undefined ? '' : ` where ${scope.where}`}: ${shown}${repeated.size > 5 ? ', …' : ''} appear more than once; sample.from must hold one row per key`,
  });
}

/** A uniform sample of `size` keys in scope. */
export async function sampleKeys(ctx: ExecutionContext, scope: KeySampleScope, keyColumns: readonly string[], size: number, random: Random): Promise<KeySample> {
  if (keyColumns.length === 1) {
    const [typed] = await ctx.query<{ key_type: string | null }>(scope.source, planKeyType(scope, keyColumns[0]!));
    if (!typed || typed.key_type === null) return { keys: [], json: new Map(), method: 'bernoulli', rounds: 1, exhausted: true };
    if (INTEGER_KEY_TYPES.has(typed.key_type)) {
      const [range] = await ctx.query<{ lo: string | null; hi: string | null; estimate: unknown }>(scope.source, planKeyRange(scope, keyColumns[0]!));
      if (!range || range.lo === null || range.hi === null) return { keys: [], json: new Map(), method: 'bernoulli', rounds: 2, exhausted: true };
      const estimate = readEstimate(range.estimate);
      const keyRange = { lo: BigInt(range.lo), hi: BigInt(range.hi), estimate };
      if (drawsApply(keyRange, size)) {
        const drawn = await drawKeys(ctx, scope, keyColumns[0]!, keyRange, size, random);
        if (drawn) return drawn;
      }
      return bernoulliKeys(ctx, scope, keyColumns, size, estimate, random);
    }
  }
  const [row] = await ctx.query<{ estimate: unknown }>(scope.source, planScopeEstimate(scope));
  return bernoulliKeys(ctx, scope, keyColumns, size, readEstimate(row?.estimate), random);
}

/** Random integer draws probed on the key; undefined when the keys prove too sparse (fall back). */
async function drawKeys(
  ctx: ExecutionContext, scope: KeySampleScope, keyColumn: string, range: { lo: bigint; hi: bigint; estimate?: number | undefined },
  size: number, random: Random,
): Promise<KeySample | undefined> {
  const collected = new Set<string>();
  const json = new Map<string, string[]>();
  const span = Number(range.hi - range.lo + 1n);
  let hitRate = range.estimate === undefined ? 0.5 : Math.min(1, range.estimate / span);
  let drawn = 0;
  let hit = 0;
  for (let round = 1; round <= MAX_DRAW_ROUNDS; round++) {
    const draws = Array.from({ length: nextDrawCount(size - collected.size, hitRate) }, () => random.bigIntBetween(range.lo, range.hi));
    const rows = await ctx.query<{ k_0: string; j_0: string }>(scope.source, planKeyDraws(scope, keyColumn, draws));
    const hits = new Set(rows.map((r) => r.k_0));
    if (hits.size < rows.length) throw duplicateKey(scope, [keyColumn], rows.map((r) => [r.k_0]));
    for (const row of rows) json.set(row.k_0, [String(row.j_0)]);
    drawn += draws.length;
    hit += draws.filter((d) => hits.has(d.toString())).length;
    hitRate = hit / drawn;
    collectHits(draws, hits, collected, size);
    if (collected.size >= size) return { keys: [...collected].map((k) => [k]), json, method: 'draws', rounds: round + 1, exhausted: false };
    if (hitRate < MIN_HIT_RATE) return undefined;
  }
  return undefined;
}

/** TABLESAMPLE BERNOULLI passes until one returns enough rows (or the whole scope is taken). */
async function bernoulliKeys(
  ctx: ExecutionContext, scope: KeySampleScope, keyColumns: readonly string[], size: number, estimate: number | undefined, random: Random,
): Promise<KeySample> {
  let percent = bernoulliPercent(size, estimate);
  const cap = bernoulliCap(size);
  for (let round = 1; round <= MAX_BERNOULLI_ROUNDS; round++) {
    const rows = await ctx.query(scope.source, planBernoulliKeys(scope, keyColumns, percent, random.below(2 ** 31), cap));
    const step = nextBernoulliStep(rows.length, size, percent, cap);
    if ('retry' in step) {
      percent = step.retry;
      continue;
    }
    const keys = rows.map((row) => keyColumns.map((_, i) => String(row[`k_${i}`])));
    const json = new Map(rows.map((row, r) => [keyId(keys[r]!), keyColumns.map((_, i) => String(row[`j_${i}`]))]));
    if (json.size < rows.length) throw duplicateKey(scope, keyColumns, keys);
    return { keys: sampleWithoutReplacement(keys, size, random), json, method: 'bernoulli', rounds: round + 1, exhausted: step.accept === 'all' };
  }
  throw new Error(`could not draw a Bernoulli sample of ${size} keys in ${MAX_BERNOULLI_ROUNDS} passes`);
}
