/**
 * Exact binomial statements about a sampled mismatch rate. A shadow read compares n sampled keys
 * and sees x mismatches; the one-sided Clopper-Pearson upper bound U is the largest rate p for
 * which seeing x or fewer mismatches still has probability ≥ 1 − confidence. Its coverage is at
 * least `confidence` for every true rate (it is conservative, never optimistic), which is what a
 * "pass" must rest on.
 */
import { regularizedIncompleteBeta } from './incomplete-beta.js';

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  // P(X ≤ k) = I_{1−p}(n − k, k + 1) — computed directly, not as 1 − I_p, to keep tiny tails exact.
  return regularizedIncompleteBeta(1 - p, n - k, k + 1);
}

function checkArguments(mismatches: number, n: number, confidence: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sample size must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(mismatches) || mismatches < 0 || mismatches > n) {
    throw new RangeError(`mismatches must be an integer between 0 and ${n}, got ${mismatches}`);
  }
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be strictly between 0 and 1, got ${confidence}`);
}

/** One-sided exact upper confidence bound of a binomial proportion (1 when nothing was sampled). */
export function clopperPearsonUpper(mismatches: number, n: number, confidence: number): number {
  checkArguments(mismatches, n, confidence);
  if (n === 0 || mismatches === n) return 1;
  const alpha = 1 - confidence;
  // Closed form for zero mismatches, (1−U)^n = α, computed with log1p/expm1 for tiny U.
  if (mismatches === 0) return -Math.expm1(Math.log1p(-confidence) / n);
  // binomialCdf(x, n, p) falls from 1 to 0 as p grows; bisect for the p where it equals α.
  // Start at 0, not x/n: with confidence below one half the bound lies under the observed rate.
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (binomialCdf(mismatches, n, mid) > alpha) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The smallest sample that could pass (bound < maxRate) if it held no mismatch at all. */
export function minimumSampleForPass(maxRate: number, confidence: number): number {
  if (!(maxRate > 0)) return Number.POSITIVE_INFINITY;
  if (maxRate >= 1) return 1;
  // Zero mismatches in n gives U = 1 − (1 − c)^(1/n) < maxRate ⇔ n > ln(1 − c) / ln(1 − maxRate).
  const n = Math.log1p(-confidence) / Math.log1p(-maxRate);
  return Math.floor(n) + 1;
}
