import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binomialCdf, clopperPearsonUpper, minimumSampleForPass } from '../../src/stats/clopper-pearson.js';
import { logBeta, logGamma, regularizedIncompleteBeta } from '../../src/stats/incomplete-beta.js';

/** P(X ≤ k) by summing the probability mass in log space: an independent reference. */
function directCdf(k: number, n: number, p: number): number {
  let total = 0;
  for (let i = 0; i <= k; i++) {
    const logChoose = logGamma(n + 1) - logGamma(i + 1) - logGamma(n - i + 1);
    total += Math.exp(logChoose + i * Math.log(p) + (n - i) * Math.log1p(-p));
  }
  return Math.min(1, total);
}

describe('incomplete beta', () => {
  it('matches known values of ln Γ', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 9); // ln(100!)
  });

  it('computes ln B exactly for a small integer argument next to a large one', () => {
    // B(1, b) = 1/b exactly; lgamma differences would lose ~8 digits here.
    expect(logBeta(1, 1e6)).toBeCloseTo(-Math.log(1e6), 12);
    expect(logBeta(3, 4)).toBeCloseTo(Math.log(1 / 60), 13);
  });

  it('is symmetric: I_x(a, b) = 1 − I_{1−x}(b, a)', () => {
    fc.assert(fc.property(fc.double({ min: 0.001, max: 0.999, noNaN: true }), fc.double({ min: 0.5, max: 500, noNaN: true }), fc.double({ min: 0.5, max: 500, noNaN: true }), (x, a, b) => {
      expect(regularizedIncompleteBeta(x, a, b)).toBeCloseTo(1 - regularizedIncompleteBeta(1 - x, b, a), 9);
    }));
  });
});

describe('binomialCdf', () => {
  it('agrees with direct summation', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 300 }), fc.double({ min: 1e-4, max: 0.9999, noNaN: true }), fc.nat(), (n, p, seed) => {
      const k = seed % n;
      const expected = directCdf(k, n, p);
      expect(Math.abs(binomialCdf(k, n, p) - expected)).toBeLessThan(1e-10 + 1e-9 * expected);
    }), { numRuns: 300 });
  });

  it('matches scipy reference values', () => {
    expect(binomialCdf(3, 1_000_000, 3e-6)).toBeCloseTo(0.6472318887823993, 10);
    expect(binomialCdf(40, 100, 0.5)).toBeCloseTo(0.028443966820490444, 12);
  });
});

describe('clopperPearsonUpper', () => {
  it.each([
    [1, 10, 0.95, 0.39416330243650466],
    [5, 100, 0.95, 0.1022533776432745],
    [0, 3000, 0.95, 0.0009980790119965865],
    [3, 2000, 0.99, 0.0050137200071498],
    [50, 1000, 0.9, 0.06002485742716491],
    [2, 1_000_000, 0.95, 6.295780099210489e-6],
    [999, 1000, 0.95, 0.999948708021091],
  ])('x=%i n=%i confidence=%f matches the beta quantile (scipy)', (x, n, c, expected) => {
    expect(Math.abs(clopperPearsonUpper(x, n, c) - expected) / expected).toBeLessThan(1e-9);
  });

  it('is 1 for an empty sample or when everything mismatched', () => {
    expect(clopperPearsonUpper(0, 0, 0.95)).toBe(1);
    expect(clopperPearsonUpper(7, 7, 0.95)).toBe(1);
  });

  it('is at least the observed rate, grows with mismatches and with confidence', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5000 }), fc.nat(), fc.double({ min: 0.5, max: 0.999, noNaN: true }), (n, seed, c) => {
      const x = seed % (n + 1);
      const u = clopperPearsonUpper(x, n, c);
      expect(u).toBeGreaterThanOrEqual(x / n);
      expect(u).toBeLessThanOrEqual(1);
      if (x < n) expect(clopperPearsonUpper(x + 1, n, c)).toBeGreaterThan(u);
      expect(clopperPearsonUpper(x, n, Math.min(0.9999, c + 0.0001))).toBeGreaterThanOrEqual(u);
    }), { numRuns: 200 });
  });

  it('solves P(X ≤ x | U) = 1 − confidence', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 20_000 }), fc.nat(), (n, seed) => {
      const x = seed % n;
      expect(binomialCdf(x, n, clopperPearsonUpper(x, n, 0.95))).toBeCloseTo(0.05, 9);
    }), { numRuns: 200 });
  });

  it('rejects impossible arguments', () => {
    expect(() => clopperPearsonUpper(5, 4, 0.95)).toThrow(RangeError);
    expect(() => clopperPearsonUpper(0, 10, 1)).toThrow(RangeError);
  });
});

describe('minimumSampleForPass', () => {
  it('is the smallest n whose zero-mismatch bound is below the limit', () => {
    fc.assert(fc.property(fc.double({ min: 1e-4, max: 0.5, noNaN: true }), fc.double({ min: 0.5, max: 0.999, noNaN: true }), (rate, c) => {
      const n = minimumSampleForPass(rate, c);
      expect(clopperPearsonUpper(0, n, c)).toBeLessThan(rate);
      if (n > 1) expect(clopperPearsonUpper(0, n - 1, c)).toBeGreaterThanOrEqual(rate * (1 - 1e-12));
    }));
    expect(minimumSampleForPass(0.001, 0.95)).toBe(2995);
  });
});
