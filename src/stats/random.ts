/**
 * A small seedable random generator (sfc32) for key sampling. Seeded runs are reproducible (the
 * seed is reported with the result, and `sample.seed` replays it); unseeded runs take their seed
 * from the operating system's CSPRNG. Not for secrets.
 */
import { randomInt } from 'node:crypto';

export interface Random {
  readonly seed: number;
  /** A uniform 32-bit unsigned integer. */
  uint32(): number;
  /** A uniform float in [0, 1). */
  float(): number;
  /** A uniform integer in [lo, hi] (inclusive), by rejection so there is no modulo bias. */
  bigIntBetween(lo: bigint, hi: bigint): bigint;
  /** A uniform integer in [0, n). */
  below(n: number): number;
}

/** A fresh 31-bit seed from the OS. */
export function randomSeed(): number {
  return randomInt(0, 2 ** 31 - 1);
}

/** Creates the generator for a seed (any integer; only the low 32 bits matter). */
export function createRandom(seed: number = randomSeed()): Random {
  let a = 0x9e3779b9;
  let b = 0x243f6a88;
  let c = 0xb7e15162;
  let d = seed >>> 0;
  const uint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 15; i++) uint32();
  const below = (n: number): number => {
    if (!(n >= 1 && n <= 2 ** 32)) throw new RangeError(`below() needs 1 ≤ n ≤ 2^32, got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = uint32();
      if (x < limit) return x % n;
    }
  };
  return {
    seed: seed >>> 0,
    uint32,
    float: () => uint32() / 2 ** 32,
    below,
    bigIntBetween(lo, hi) {
      if (hi < lo) throw new RangeError(`empty range [${lo}, ${hi}]`);
      const span = hi - lo + 1n;
      const bits = span.toString(2).length;
      const words = Math.ceil(bits / 32);
      const mask = (1n << BigInt(bits)) - 1n;
      // Draw `bits` random bits and reject values ≥ span: at most two tries on average.
      for (;;) {
        let x = 0n;
        for (let i = 0; i < words; i++) x = (x << 32n) | BigInt(uint32());
        x &= mask;
        if (x < span) return lo + x;
      }
    },
  };
}

/** A uniformly random subset of `size` items, in random order (partial Fisher-Yates; copies). */
export function sampleWithoutReplacement<T>(items: readonly T[], size: number, random: Random): T[] {
  const pool = [...items];
  const take = Math.min(size, pool.length);
  for (let i = 0; i < take; i++) {
    const j = i + random.below(pool.length - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, take);
}
