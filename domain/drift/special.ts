/**
 * The special functions the p-values need: log-gamma, the regularized upper incomplete gamma function, and
 * through it the chi-square and normal tails. Plain double precision, about 1e-14 relative in the ranges a
 * drift report meets (checked against scipy in test/drift/vectors.test.ts).
 */

// Lanczos approximation, g = 7, n = 9 (the widely published coefficient set).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i]! / (y + i);
  const t = y + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

const EPS = 1e-16;
const TINY = 1e-300;
const MAX_ITERATIONS = 10_000;

/** Q(a, x) = Γ(a, x) / Γ(a), the regularized upper incomplete gamma function, for a > 0, x >= 0. */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) return 1 - Math.exp(logPrefix) * lowerSeries(a, x);
  return Math.exp(logPrefix) * upperContinuedFraction(a, x);
}

/** Σ x^n / (a (a+1) ... (a+n)): P(a, x) = prefix · series. Converges fast for x < a + 1. */
function lowerSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum;
}

/** Continued fraction for Γ(a, x) (modified Lentz): Q(a, x) = prefix · fraction. For x >= a + 1. */
function upperContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h;
}

/** P(X >= x) for X ~ chi-square with `dof` degrees of freedom. */
export function chiSquareSf(x: number, dof: number): number {
  return gammaQ(dof / 2, x / 2);
}

/** P(|Z| >= |z|) for a standard normal Z: the two-sided p-value of a z statistic. */
export function normalTwoSidedP(z: number): number {
  return gammaQ(0.5, (z * z) / 2);
}
