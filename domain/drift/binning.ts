import type { Grid } from './grid.js';

/**
 * How one column is binned: fixed by the reference profile, read by every shard, so that every shard's
 * counts line up and merge by addition.
 */
export interface ColumnBinning extends Grid {
  /**
   * Histogram edges, ascending and distinct, taken from reference quantiles. Bins: (-inf, edges[0]),
   * [edges[0], edges[1]), ..., [edges[last], +inf). The first edge is the reference minimum and the last
   * just above its maximum, so the outer bins hold only values outside the reference range.
   */
  edges: number[];
  /** The reference's distinct values, ascending, when it has at most CATEGORY_LIMIT of them. */
  categories?: number[];
}

/** The binning of every profiled column, and the id that every sketch made on it carries. */
export interface ReferenceBinning {
  id: string;
  columns: Record<string, ColumnBinning>;
}

/** Histogram bins between the reference's quantiles: deciles, the textbook PSI binning. */
export const HISTOGRAM_BINS = 10;
/** At most this many distinct reference values and the column also gets value counts (Evidently's cut). */
export const CATEGORY_LIMIT = 20;

/** The smallest double above x (x finite): the upper edge of a bin that holds exactly x. */
export function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const buffer = new Float64Array([x]);
  const bits = new BigInt64Array(buffer.buffer);
  bits[0] = bits[0]! + (x > 0 ? 1n : -1n);
  return buffer[0]!;
}

/** Linear-interpolation quantile of ascending values (numpy's default method). */
export function sortedQuantile(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Histogram edges from reference quantiles: the minimum, the inner quantiles j / bins, and the double just
 * above the maximum. Repeated quantiles (a value holding more than 1 / bins of the data) collapse to one
 * edge plus the double above it, so that value gets a bin of its own: a constant column gets exactly one
 * bin [v, nextUp(v)) between the outer bins, never zero-width duplicates.
 */
export function histogramEdges(quantiles: readonly number[], min: number, max: number): number[] {
  const candidates = [min, ...quantiles.map((q) => Math.min(max, Math.max(min, q)))].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const v = candidates[i]!;
    if (edges.length > 0 && edges[edges.length - 1]! >= v) continue;
    edges.push(v);
    if (candidates[i + 1] === v && v < Number.MAX_VALUE) edges.push(nextUp(v));
  }
  // Below Number.MAX_VALUE: nothing lies above it, and JSON cannot carry the Infinity after it.
  if (max < Number.MAX_VALUE && edges[edges.length - 1]! <= max) edges.push(nextUp(max));
  return edges;
}

/**
 * The grid for a column from a sample of its reference values (ascending) and its exact spread: centred on
 * the median, scaled by the interquartile range (robust to the odd huge outlier that would blow up a
 * standard deviation), falling back to the standard deviation, then to a millionth of the value itself.
 */
export function gridFromSample(sorted: ArrayLike<number>, std: number | null): Grid {
  if (sorted.length === 0) return { center: 0, scale: 1 };
  const center = sortedQuantile(sorted, 0.5);
  const iqr = sortedQuantile(sorted, 0.75) - sortedQuantile(sorted, 0.25);
  let scale = iqr / 1.349;
  if (!(scale > 0) || !Number.isFinite(scale)) scale = std ?? 0;
  if (!(scale > 0) || !Number.isFinite(scale)) scale = Math.max(Math.abs(center), 1) * 1e-6;
  return { center, scale };
}

/** A column's binning from a sample of its reference values (ascending), its exact range and spread. */
export function binningFromSample(
  sorted: ArrayLike<number>,
  range: { min: number | null; max: number | null; std: number | null },
  distinct: readonly number[] | undefined,
): ColumnBinning {
  const grid = gridFromSample(sorted, range.std);
  const quantiles: number[] = [];
  if (sorted.length > 0)
    for (let j = 1; j < HISTOGRAM_BINS; j++) quantiles.push(sortedQuantile(sorted, j / HISTOGRAM_BINS));
  const edges =
    range.min === null || range.max === null ? [] : histogramEdges(quantiles, range.min, range.max);
  const binning: ColumnBinning = { ...grid, edges };
  if (distinct && distinct.length <= CATEGORY_LIMIT) binning.categories = [...distinct].sort((a, b) => a - b);
  return binning;
}
