import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/sql/build.js';
import {
  bernoulliCap, bernoulliPercent, collectHits, drawsApply, nextBernoulliStep, nextDrawCount, planBernoulliKeys, planKeyDraws, planKeyRange,
} from '../../../src/kinds/shadow-read/key-sampling.js';
import { createRandom } from '../../../src/stats/random.js';

/** The draws method with the database replaced by set membership (the only thing it asks of it). */
function simulateDraws(population: readonly number[], lo: number, hi: number, size: number, seed: number): string[] {
  const present = new Set(population.map(String));
  const random = createRandom(seed);
  const collected = new Set<string>();
  for (let round = 0; round < 100 && collected.size < size; round++) {
    const draws = Array.from({ length: nextDrawCount(size - collected.size, population.length / (hi - lo + 1)) }, () => random.bigIntBetween(BigInt(lo), BigInt(hi)));
    const hits = new Set(draws.map(String).filter((d) => present.has(d)));
    collectHits(draws, hits, collected, size);
  }
  return [...collected];
}

describe('key sampling by random draws', () => {
  it('gives every key the same inclusion probability, however the keys cluster (chi-square)', () => {
    // 40 keys: a dense run, a sparse tail and an isolated far key — gaps must not favour neighbours.
    const population = [...Array.from({ length: 30 }, (_, i) => i), 100, 150, 180, 220, 300, 310, 311, 400, 450, 499];
    const size = 8;
    const runs = 6_000;
    const counts = new Map<string, number>(population.map((k) => [String(k), 0]));
    for (let run = 0; run < runs; run++) {
      const sample = simulateDraws(population, 0, 499, size, run);
      expect(sample.length).toBe(size);
      expect(new Set(sample).size).toBe(size);
      for (const key of sample) counts.set(key, counts.get(key)! + 1);
    }
    const expected = (runs * size) / population.length;
    const chi = [...counts.values()].reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chi).toBeLessThan(72.05); // 39 degrees of freedom, p = 0.001
  });

  it('collects hits in draw order and never more than asked', () => {
    fc.assert(fc.property(fc.array(fc.bigInt({ min: 0n, max: 50n }), { maxLength: 200 }), fc.nat(30), (draws, size) => {
      const hits = new Set(draws.filter((d) => d % 3n === 0n).map(String));
      const collected = new Set<string>();
      collectHits(draws, hits, collected, size);
      const expected = [...new Set(draws.filter((d) => d % 3n === 0n).map(String))].slice(0, size);
      expect([...collected]).toEqual(expected);
    }));
  });

  it('applies only to dense-enough keys well above the sample size', () => {
    expect(drawsApply({ lo: 1n, hi: 10_000_000n, estimate: 10_000_000 }, 10_000)).toBe(true);
    expect(drawsApply({ lo: 1n, hi: 1000n, estimate: 1000 }, 500)).toBe(false);
    expect(drawsApply({ lo: 1n, hi: 10n ** 12n, estimate: 1_000_000 }, 100)).toBe(false);
  });
});

describe('key sampling by TABLESAMPLE BERNOULLI', () => {
  it('sizes the percentage for about 1.2 × the sample, capped at 100', () => {
    expect(bernoulliPercent(10_000, 10_000_000)).toBeCloseTo(0.1201, 4);
    expect(bernoulliPercent(1000, 500)).toBe(100);
    expect(bernoulliPercent(1000, undefined)).toBe(100);
  });

  it('accepts enough rows, retries larger when short, smaller when capped, takes all at 100%', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), fc.double({ min: 1e-4, max: 100, noNaN: true }), fc.nat(200_000), (size, percent, got) => {
      const cap = bernoulliCap(size);
      const step = nextBernoulliStep(Math.min(got, cap), size, percent, cap);
      if (Math.min(got, cap) >= cap) expect('retry' in step && step.retry < percent).toBe(true);
      else if (got >= size) expect(step).toEqual({ accept: 'subsample' });
      else if (percent >= 100) expect(step).toEqual({ accept: 'all' });
      else expect('retry' in step && step.retry > percent && step.retry <= 100).toBe(true);
    }));
  });
});

describe('key sampling SQL', () => {
  const scope = { table: { schema: 'public', name: 'users' }, where: "created_at < now() - interval '5 minutes'" };

  it('probes draws with one bound array parameter and never sorts by random()', () => {
    const draws = compile(planKeyDraws(scope, 'id', [5n, 7n, 11n]));
    expect(draws.text).toMatch(/"id" = any\(\$1\)/);
    expect(draws.params).toEqual(['{"5","7","11"}']);
    const bernoulli = compile(planBernoulliKeys(scope, ['id'], 1.5, 42, 2000));
    expect(bernoulli.text).toMatch(/tablesample bernoulli \(\$1\) repeatable \(\$2\)/);
    for (const text of [draws.text, bernoulli.text, compile(planKeyRange(scope, 'id')).text]) expect(text).not.toMatch(/random\(\)/i);
  });
});
