/**
 * P-values of the two-sample Kolmogorov-Smirnov statistic, chosen the way scipy.stats.ks_2samp does with
 * its default method='auto' (scipy 1.16), so the numbers agree with what a data team computes in a notebook:
 *
 * - both samples at most 10,000 values: the exact distribution, counting lattice paths (Hodges 1958, with
 *   Viehmann's 2021 recursion for 1 - p, which keeps precision for small p-values);
 * - otherwise: the one-sample two-sided Kolmogorov distribution at n = round(n1 n2 / (n1 + n2)), computed
 *   as Simard and L'Ecuyer (2011) recommend: Ruben-Gambino's closed forms at the ends, Durbin's matrix
 *   (Marsaglia-Tsang-Wang 2003) for small n d^2, the exact one-sided Smirnov sum (Birnbaum-Tingey) for the
 *   upper tail, and Pelz-Good's asymptotic series for large n.
 *
 * One deliberate difference: where scipy uses Pomeranz's recursion (n <= 140, 0.754693 < n d^2 <= 4) this
 * uses Durbin's matrix, also exact. Agreement with scipy is checked in test/drift/vectors.test.ts.
 */

/** scipy's MAX_AUTO_N: larger samples use the asymptotic route. */
const MAX_EXACT_N = 10_000;

export interface KsPValue {
  pValue: number;
  method: 'exact' | 'asymptotic';
}

/** P(D >= d) under the null for samples of n1 and n2 values. */
export function ksTwoSamplePValue(d: number, n1: number, n2: number): KsPValue {
  if (Math.max(n1, n2) <= MAX_EXACT_N) {
    const p = exactTwoSample(d, n1, n2);
    if (p >= 0 && p <= 1) return { pValue: p, method: 'exact' };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = roundHalfEven((m * n) / (m + n));
  return { pValue: clamp01(kolmogorovSf(en, d)), method: 'asymptotic' };
}

function exactTwoSample(d: number, n1: number, n2: number): number {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  if (h === 0) return 1;
  return n1 === n2 ? outsideSquare(n1, h) : outsideBand(n1, n2, g, h);
}

/**
 * Equal sizes: P(D_{n,n} >= h/n) = 2 Σ_{k>=1} (-1)^(k-1) C(2n, n-kh) / C(2n, n), evaluated as
 * 2 A1 (1 - A2 (1 - A3 (...))) with each A_k a product of h ratios, which avoids the alternating sum's
 * cancellation.
 */
function outsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let a = 1;
    for (let j = 0; j < h; j++) a = (a * (n - k * h - j)) / (n + k * h + j + 1);
    p = a * (1 - p);
  }
  return 2 * p;
}

/**
 * Unequal sizes: the share of monotone lattice paths from (0, 0) to (m, n) that leave the band
 * |ng x - mg y| < h (ng = n/g, mg = m/g). A(x, y) is that share among paths to (x, y): 1 outside the band,
 * and inside it the path-count-weighted mean of its two predecessors, A(x, y) = (x A(x-1, y) + y A(x, y-1)) /
 * (x + y). One column is kept, updated in place over the band's window, which slides up as x grows.
 */
function outsideBand(n1: number, n2: number, g: number, h: number): number {
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const mg = m / g;
  const ng = n / g;
  const a = new Float64Array(n + 1);
  const firstHi = Math.min(Math.ceil(h / mg), n + 1);
  for (let y = firstHi; y <= n; y++) a[y] = 1;
  for (let x = 1; x <= m; x++) {
    const lo = Math.min(Math.max(Math.floor((ng * x - h) / mg) + 1, 0), n);
    const hi = Math.min(Math.ceil((ng * x + h) / mg), n + 1);
    if (hi <= lo) return 1;
    // Entries above the window still hold 1 (outside the band); entries below it are never read again.
    let below = lo === 0 ? 0 : 1;
    for (let y = lo; y < hi; y++) {
      below = (x * a[y]! + y * below) / (x + y);
      a[y] = below;
    }
  }
  return a[n]!;
}

/** P(D_n >= x) for the one-sample two-sided statistic (scipy.stats.kstwo.sf). */
export function kolmogorovSf(n: number, x: number): number {
  if (!(n >= 1) || Number.isNaN(x)) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) return 1 - rubenGambinoLowCdf(n, t);
  if (t >= n - 1) return 2 * Math.pow(1 - x, n);
  if (x >= 0.5) return 2 * smirnovSf(n, x);
  const nxx = t * x;
  if (n <= 140) {
    if (nxx <= 4) return 1 - durbinCdf(n, x);
    return 2 * smirnovSf(n, x);
  }
  if (nxx >= 370) return 0;
  if (nxx >= 2.2) return 2 * smirnovSf(n, x);
  if (n <= 100_000 && n * Math.pow(x, 1.5) <= 1.4) return 1 - durbinCdf(n, x);
  return 1 - pelzGoodCdf(n, x);
}

/** Ruben-Gambino: for 1/(2n) <= x <= 1/n, P(D_n <= x) = n!/n^n (2nx - 1)^n. */
function rubenGambinoLowCdf(n: number, t: number): number {
  if (t <= 0.5) return 0;
  if (n <= 140) {
    let p = 1;
    for (let i = 1; i <= n; i++) p *= (i / n) * (2 * t - 1);
    return p;
  }
  return Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
}

// B_2j / (2j (2j - 1)) for j = 8 .. 1: Stirling's series for ln n! with n ln n removed up front.
const STIRLING = [-3617 / 122400, 1 / 156, -691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12];

/** ln(n! / n^n), by Stirling's series without the n ln n terms that would cancel. */
function logFactorialOverPower(n: number): number {
  const r = 1 / n;
  let series = 0;
  for (const c of STIRLING) series = series * r * r + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + r * series;
}

/**
 * One-sided Smirnov tail P(D_n^+ >= x), exactly (Birnbaum and Tingey 1951):
 * x Σ_{j=0}^{floor(n(1-x))} C(n, j) (1 - x - j/n)^(n-j) (x + j/n)^(j-1). All terms are positive; they are
 * summed in log space so that tiny tails do not underflow before they are combined.
 */
export function smirnovSf(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const logs: number[] = [];
  let logBinomial = 0;
  let max = -Infinity;
  const nx = n * x;
  for (let j = 0; j <= n; j++) {
    const a = (n - j - nx) / n;
    if (a <= 0) break;
    const term = logBinomial + (n - j) * Math.log(a) + (j - 1) * Math.log(x + j / n);
    logs.push(term);
    if (term > max) max = term;
    logBinomial += Math.log((n - j) / (j + 1));
  }
  let sum = 0;
  for (const l of logs) sum += Math.exp(l - max);
  return x * Math.exp(max + Math.log(sum));
}

const SCALE_EXPONENT = 128;
const SCALE_UP = 2 ** SCALE_EXPONENT;
const SCALE_DOWN = 2 ** -SCALE_EXPONENT;

/**
 * Durbin's matrix formula for P(D_n <= d), as Marsaglia, Tsang and Wang (2003) evaluate it: with
 * d = (k - h)/n, P = n!/n^n (H^n)[k-1][k-1] for the (2k-1)-square matrix H below, the power taken by
 * squaring with the exponent kept apart so nothing overflows.
 */
function durbinCdf(n: number, d: number): number {
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  // v[i] = (1 - h^(i+1)) / (i+1)!; the corner also gets max(0, 2h-1)^m / m! and loses a second h^m/m!.
  const v = new Float64Array(m);
  let factorial = 1;
  const inverseFactorial = new Float64Array(m + 1);
  inverseFactorial[0] = 1;
  for (let i = 1; i <= m; i++) {
    factorial *= i;
    inverseFactorial[i] = 1 / factorial;
  }
  for (let i = 0; i < m; i++) v[i] = (1 - Math.pow(h, i + 1)) * inverseFactorial[i + 1]!;
  v[m - 1] = (1 + Math.pow(Math.max(2 * h - 1, 0), m) - 2 * Math.pow(h, m)) * inverseFactorial[m]!;
  let base: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let j = 1; j < m; j++) if (i - j + 1 >= 0) base[i * m + j] = inverseFactorial[i - j + 1]!;
  for (let i = 0; i < m; i++) base[i * m] = v[i]!;
  for (let j = 0; j < m; j++) base[(m - 1) * m + j] = v[m - 1 - j]!;

  let result: Float64Array = identity(m);
  let resultExponent = 0;
  let baseExponent = 0;
  for (let e = n; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) {
      result = multiply(result, base, m);
      resultExponent += baseExponent;
    }
    base = multiply(base, base, m);
    baseExponent *= 2;
    if (Math.abs(base[(k - 1) * m + (k - 1)]!) > SCALE_UP) {
      for (let i = 0; i < base.length; i++) base[i]! *= SCALE_DOWN;
      baseExponent += SCALE_EXPONENT;
    }
  }
  let p = result[(k - 1) * m + (k - 1)]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < SCALE_DOWN) {
      p *= SCALE_UP;
      resultExponent -= SCALE_EXPONENT;
    }
  }
  return clamp01(ldexp(p, resultExponent));
}

/** p · 2^e in steps, so a large exponent applied to a tiny p does not overflow on the way. */
function ldexp(p: number, e: number): number {
  let out = p;
  for (let left = e; left !== 0;) {
    const step = Math.max(-1000, Math.min(1000, left));
    out *= 2 ** step;
    left -= step;
  }
  return out;
}

function identity(m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) out[i * m + i] = 1;
  return out;
}

function multiply(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++)
    for (let l = 0; l < m; l++) {
      const ail = a[i * m + l]!;
      if (ail === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j]! += ail * b[l * m + j]!;
    }
  return out;
}

const PI2 = Math.PI ** 2;
const PI4 = Math.PI ** 4;
const PI6 = Math.PI ** 6;
const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * Pelz and Good's (1976) series for P(D_n <= x): the Li-Chien/Korolyuk expansion K0 + K1/√n + K2/n +
 * K3/n^1.5 in z = x√n, each term rewritten with Jacobi theta identities so it converges for small z.
 */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const logQ = -PI2 / 8 / z2;
  if (logQ < -708) return 0;
  const q = Math.exp(logQ);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z4 * z4;

  // Σ_k c_k q^((2k-1)^2) by Horner's rule in q^(8k) (the gaps between consecutive odd squares).
  const terms = [0, 0, 0, 0];
  const maxK = Math.ceil((16 * z) / Math.PI);
  for (let k = maxK; k >= 1; k--) {
    const m2 = (2 * k - 1) ** 2;
    const qPower = Math.pow(q, 8 * k);
    const coefficients = [
      1,
      k1a + k1b * m2,
      k2a + k2b * m2 + k2c * m2 * m2,
      k3a + k3b * m2 + k3c * m2 * m2 + k3d * m2 * m2 * m2,
    ];
    for (let i = 0; i < 4; i++) terms[i] = terms[i]! * qPower + coefficients[i]!;
  }
  const divisors = [z, 6 * z4, 72 * z6 * z, 6480 * z4 * z6];
  for (let i = 0; i < 4; i++) terms[i] = (terms[i]! * q * SQRT_2PI) / divisors[i]!;

  // The terms over all integers k of K2 and K3.
  const q2 = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxK; k >= 1; k--) {
    const k2 = k * k;
    const weight = k2 * Math.pow(q2, k2);
    k2extra += weight;
    k3extra += (sqrt3z + Math.PI * k) * (sqrt3z - Math.PI * k) * weight;
  }
  terms[2]! += (k2extra * PI2 * SQRT_2PI) / (-36 * z2 * z);
  terms[3]! += (k3extra * PI2 * SQRT_2PI) / (216 * z6);
  let cdf = 0;
  for (let i = 0; i < 4; i++) cdf += terms[i]! / Math.pow(n, i / 2);
  return cdf;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** numpy's round: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function clamp01(p: number): number {
  return Math.min(1, Math.max(0, p));
}
