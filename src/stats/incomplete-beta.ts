/**
 * The regularized incomplete beta function I_x(a, b), from which the binomial CDF and the exact
 * (Clopper-Pearson) bounds follow. Written here rather than pulled in because it is ~80 lines and
 * the numerics matter: logs throughout, the continued fraction on the side where it converges
 * fast, and an exact product form of ln B(a, b) when one argument is a small integer (the common
 * case: few mismatches in a large sample), where lgamma differences would cancel badly.
 */

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; about 15 significant digits). */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs x > 0, got ${x}`);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), exact-product form when min(a, b) is a small integer. */
export function logBeta(a: number, b: number): number {
  const small = Math.min(a, b);
  const large = Math.max(a, b);
  if (Number.isInteger(small) && small <= 2000) {
    // Γ(s)Γ(l)/Γ(s+l) = (s−1)! / ∏_{i<s} (l+i): no large lgamma values to subtract.
    let log = logGamma(small);
    for (let i = 0; i < small; i++) log -= Math.log(large + i);
    return log;
  }
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

const EPSILON = 1e-16;
const TINY = 1e-300;

/** Modified Lentz evaluation of the continued fraction for I_x(a, b) (Numerical Recipes betacf). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  // Convergence takes O(sqrt(max(a, b))) terms; the cap is far above what 10^7-key samples need.
  for (let m = 1; m <= 1_000_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPSILON) return h;
  }
  throw new Error(`incomplete beta did not converge for x=${x}, a=${a}, b=${b}`);
}

/** I_x(a, b): the regularized incomplete beta function, for a, b > 0 and 0 ≤ x ≤ 1. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) throw new RangeError(`incomplete beta needs a, b > 0 (got a=${a}, b=${b})`);
  if (!(x >= 0 && x <= 1)) throw new RangeError(`incomplete beta needs 0 ≤ x ≤ 1 (got ${x})`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const logFront = a * Math.log(x) + b * Math.log1p(-x) - logBeta(a, b);
  // The fraction converges quickly only left of the mean; use I_x(a,b) = 1 − I_{1−x}(b,a) beyond it.
  if (x < (a + 1) / (a + b + 2)) return Math.exp(logFront) * betaContinuedFraction(x, a, b) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}
