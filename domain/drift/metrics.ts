import type { GridDistribution } from './distribution.js';
import { ksTwoSamplePValue } from './kolmogorov.js';
import { chiSquareSf, normalTwoSidedP } from './special.js';

/**
 * The drift statistics, each defined as the reference implementation people compare with defines it
 * (scipy, Evidently, the textbook PSI), on either exact value counts or two sketches on the same grid.
 */

export interface KsResult {
  /** Kolmogorov-Smirnov D. From sketches: the largest CDF gap at grid boundaries (a lower bound of D). */
  statistic: number;
  /** D is at most this: equal to `statistic` when computed from exact counts. */
  statisticUpperBound: number;
  /** scipy.stats.ks_2samp's p-value (method 'auto') for `statistic`. */
  pValue: number;
  method: 'exact' | 'asymptotic';
}

export interface WassersteinResult {
  /** W1 between the two distributions, in the column's units. */
  distance: number;
  /** |distance - true W1| is at most this (0 from exact counts). */
  bound: number;
}

/**
 * KS on two sketches. At a grid boundary both CDFs are exact, so the largest gap there is a lower bound of
 * D; inside a bucket each CDF stays between its values at the bucket's ends, which bounds D from above.
 * The p-value is computed for the lower bound (so it leans towards "no drift", never the other way).
 */
export function ksFromSketches(ref: GridDistribution, cur: GridDistribution): KsResult {
  let lower = 0;
  let upper = 0;
  forEachBucketPair(ref, cur, (f0, g0, f1, g1) => {
    lower = Math.max(lower, Math.abs(f0 - g0), Math.abs(f1 - g1));
    upper = Math.max(upper, f1 - g0, g1 - f0);
  });
  upper = Math.max(upper, lower);
  const p = ksTwoSamplePValue(lower, ref.total, cur.total);
  return { statistic: lower, statisticUpperBound: upper, pValue: p.pValue, method: p.method };
}

/** KS on exact value counts (keys ascending, on a shared key list): D exactly as scipy computes it. */
export function ksFromCounts(ref: readonly number[], cur: readonly number[]): KsResult {
  const nr = sum(ref);
  const nc = sum(cur);
  let f = 0;
  let g = 0;
  let d = 0;
  for (let i = 0; i < ref.length; i++) {
    f += ref[i]!;
    g += cur[i]!;
    d = Math.max(d, Math.abs(f / nr - g / nc));
  }
  const p = ksTwoSamplePValue(d, nr, nc);
  return { statistic: d, statisticUpperBound: d, pValue: p.pValue, method: p.method };
}

/**
 * Wasserstein-1 (earth mover's) distance on two sketches: ∫|F - G| dx with both CDFs linear inside each
 * bucket, integrated exactly. Each CDF is off by at most its bucket's share times the bucket's width over
 * the bucket, so |error| <= Σ width_k (p_k + q_k) / 2, which is returned as the bound.
 */
export function wassersteinFromSketches(ref: GridDistribution, cur: GridDistribution): WassersteinResult {
  let distance = 0;
  let bound = 0;
  let previousUpper: number | undefined;
  let gap = 0;
  forEachBucketPair(ref, cur, (f0, g0, f1, g1, k) => {
    const a = ref.lower(k);
    const b = ref.upper(k);
    // Between two non-empty buckets both CDFs are flat.
    if (previousUpper !== undefined && a > previousUpper) distance += gap * (a - previousUpper);
    distance += integrateAbsLinear(f0 - g0, f1 - g1, b - a);
    bound += ((b - a) * (f1 - f0 + (g1 - g0))) / 2;
    previousUpper = b;
    gap = Math.abs(f1 - g1);
  });
  return { distance, bound };
}

/** W1 on exact value counts: Σ |F(v_i) - G(v_i)| (v_{i+1} - v_i), as scipy.stats.wasserstein_distance. */
export function wassersteinFromCounts(
  values: readonly number[],
  ref: readonly number[],
  cur: readonly number[],
): WassersteinResult {
  const nr = sum(ref);
  const nc = sum(cur);
  let f = 0;
  let g = 0;
  let distance = 0;
  for (let i = 0; i < values.length - 1; i++) {
    f += ref[i]!;
    g += cur[i]!;
    distance += Math.abs(f / nr - g / nc) * (values[i + 1]! - values[i]!);
  }
  return { distance, bound: 0 };
}

/** ∫_0^w |d0 + (d1 - d0) t / w| dt: a trapezoid, or two triangles when the line crosses zero. */
function integrateAbsLinear(d0: number, d1: number, w: number): number {
  if (d0 * d1 >= 0) return (w * (Math.abs(d0) + Math.abs(d1))) / 2;
  return (w * (d0 * d0 + d1 * d1)) / (2 * (Math.abs(d0) + Math.abs(d1)));
}

/**
 * Walks the union of both sketches' non-empty buckets in grid order, giving each bucket's CDF values at its
 * lower and upper boundary for the reference (f) and the current data (g), as shares.
 */
function forEachBucketPair(
  ref: GridDistribution,
  cur: GridDistribution,
  visit: (f0: number, g0: number, f1: number, g1: number, k: number) => void,
): void {
  let i = 0;
  let j = 0;
  let cr = 0;
  let cc = 0;
  const a = ref.buckets;
  const b = cur.buckets;
  while (i < a.length || j < b.length) {
    const ka = i < a.length ? a[i]![0] : Infinity;
    const kb = j < b.length ? b[j]![0] : Infinity;
    const k = Math.min(ka, kb);
    const nr = ka === k ? a[i++]![1] : 0;
    const nc = kb === k ? b[j++]![1] : 0;
    visit(cr / ref.total, cc / cur.total, (cr + nr) / ref.total, (cc + nc) / cur.total, k);
    cr += nr;
    cc += nc;
  }
}

/**
 * Share given to an empty bin in PSI, so a bin empty on one side adds a large but finite term instead of
 * an infinite one (the common textbook choice; Evidently uses the same value when no bin share is below it).
 */
export const PSI_EMPTY_SHARE = 1e-4;

/** Population stability index: Σ (c_i - r_i) ln(c_i / r_i) over bin shares, empty shares set to 1e-4. */
export function psi(ref: readonly number[], cur: readonly number[]): number {
  const nr = sum(ref);
  const nc = sum(cur);
  let total = 0;
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]! / nr || PSI_EMPTY_SHARE;
    const c = cur[i]! / nc || PSI_EMPTY_SHARE;
    total += (c - r) * Math.log(c / r);
  }
  return total;
}

/**
 * Jensen-Shannon distance (natural log, as scipy.spatial.distance.jensenshannon and Evidently): the square
 * root of the mean Kullback-Leibler divergence of each distribution from their average. 0 to √ln 2.
 */
export function jensenShannon(ref: readonly number[], cur: readonly number[]): number {
  const nr = sum(ref);
  const nc = sum(cur);
  let divergence = 0;
  for (let i = 0; i < ref.length; i++) {
    const p = ref[i]! / nr;
    const q = cur[i]! / nc;
    const m = (p + q) / 2;
    if (p > 0) divergence += p * Math.log(p / m);
    if (q > 0) divergence += q * Math.log(q / m);
  }
  return Math.sqrt(Math.max(0, divergence / 2));
}

export interface ChiSquareResult {
  statistic: number;
  dof: number;
  pValue: number;
}

/**
 * Chi-square test of homogeneity on the 2 x k table [reference counts; current counts], as
 * scipy.stats.chi2_contingency: categories empty on both sides are dropped, and with one degree of freedom
 * Yates' continuity correction applies.
 */
export function chiSquareContingency(ref: readonly number[], cur: readonly number[]): ChiSquareResult {
  const columns: Array<[number, number]> = [];
  for (let i = 0; i < ref.length; i++) if (ref[i]! + cur[i]! > 0) columns.push([ref[i]!, cur[i]!]);
  const dof = columns.length - 1;
  const nr = sum(ref);
  const nc = sum(cur);
  const n = nr + nc;
  if (dof <= 0 || nr === 0 || nc === 0) return { statistic: 0, dof: Math.max(dof, 0), pValue: 1 };
  let statistic = 0;
  for (const [r, c] of columns) {
    for (const [observed, rowTotal] of [
      [r, nr],
      [c, nc],
    ] as const) {
      const expected = (rowTotal * (r + c)) / n;
      let o = observed;
      if (dof === 1) o += Math.sign(expected - o) * Math.min(0.5, Math.abs(expected - o));
      statistic += ((o - expected) * (o - expected)) / expected;
    }
  }
  return { statistic, dof, pValue: chiSquareSf(statistic, dof) };
}

export interface ZTestResult {
  statistic: number;
  pValue: number;
}

/**
 * Two-proportion z-test with pooled variance (Evidently's test for binary columns): the share of one
 * category in each sample. Both samples all in (or all out of) the category: no difference, p = 1.
 */
export function zTestProportions(
  refHits: number,
  refTotal: number,
  curHits: number,
  curTotal: number,
): ZTestResult {
  const p1 = refHits / refTotal;
  const p2 = curHits / curTotal;
  const pooled = (refHits + curHits) / (refTotal + curTotal);
  const variance = pooled * (1 - pooled) * (1 / refTotal + 1 / curTotal);
  if (!(variance > 0)) return { statistic: 0, pValue: 1 };
  const statistic = (p1 - p2) / Math.sqrt(variance);
  return { statistic, pValue: normalTwoSidedP(statistic) };
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
