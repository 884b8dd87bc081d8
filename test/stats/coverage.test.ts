/**
 * The claim a shadow read makes: "the mismatch rate is below U with 95% confidence". Simulate
 * many samples from a known rate and count how often the reported bound covers it.
 */
import { describe, expect, it } from 'vitest';
import { binomialCdf, clopperPearsonUpper } from '../../src/stats/clopper-pearson.js';
import { createRandom } from '../../src/stats/random.js';
import { evaluateShadowRead, type ShadowTally } from '../../src/kinds/shadow-read/verdict.js';

function tallyOf(n: number, mismatches: number): ShadowTally {
  return {
    keysSampled: n, compared: n, vanished: 0, inFlight: 0, matchedWithoutWrite: 0, unresolved: [], noise: undefined, noiseSamples: [],
    mismatches: Array.from({ length: mismatches }, (_, i) => ({ parts: [String(i)], fields: ['v'] })),
    sampling: { method: 'simulated', seed: 0, rounds: 0, exhausted: false },
  };
}

const spec = { key: ['id'], max_mismatch_rate: 0.5, confidence: 0.95, samples: 0 };

describe('coverage of the reported 95% upper bound', () => {
  it.each([
    [0.001, 3000],
    [0.01, 500],
    [0.03, 1000],
    [0.05, 200],
    [0.2, 50],
  ])('covers a true rate of %f with n=%i in at least 95 percent of 1,200 simulated samples', (rate, n) => {
    const random = createRandom(20_240_601 + n);
    const runs = 1_200;
    let covered = 0;
    for (let run = 0; run < runs; run++) {
      let x = 0;
      for (let i = 0; i < n; i++) if (random.float() < rate) x++;
      const outcome = evaluateShadowRead(spec, tallyOf(n, x));
      expect(outcome.observations.mismatches).toBe(x);
      if ((outcome.observations.mismatch_rate_upper_bound as number) >= rate) covered++;
    }
    expect(covered / runs).toBeGreaterThanOrEqual(0.95);
  });

  it('has exact coverage ≥ 95% for every rate on a grid (summed over the binomial distribution)', () => {
    for (const n of [10, 100, 1000]) {
      const bounds = Array.from({ length: n + 1 }, (_, x) => clopperPearsonUpper(x, n, 0.95));
      for (let i = 1; i < 200; i++) {
        const rate = i / 200;
        // Coverage = P(U(X) ≥ rate); U is increasing in x, so it is P(X ≥ smallest covering x).
        const first = bounds.findIndex((u) => u >= rate);
        const coverage = first <= 0 ? 1 : 1 - binomialCdf(first - 1, n, rate);
        expect(coverage).toBeGreaterThanOrEqual(0.95 - 1e-9);
      }
    }
  });
});

describe('evaluateShadowRead', () => {
  it('passes only when the bound, not the observed rate, is below the limit', () => {
    const strict = { ...spec, max_mismatch_rate: 0.001 };
    // 0 of 2000 observed, but 2000 keys cannot prove < 0.1% at 95%: the bound is 0.15%.
    const small = evaluateShadowRead(strict, tallyOf(2000, 0));
    expect(small.status).toBe('fail');
    expect(small.summary).toContain('a pass needs at least 2995 keys');
    expect(evaluateShadowRead(strict, tallyOf(3000, 0)).status).toBe('pass');
  });

  it('reports an empty sample as could-not-verify, never pass', () => {
    const outcome = evaluateShadowRead(spec, tallyOf(0, 0));
    expect(outcome.status).toBe('error');
    expect(outcome.error?.code).toBe('empty_sample');
  });
});
