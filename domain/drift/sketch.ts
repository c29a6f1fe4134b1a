import type { ColumnBinning } from './binning.js';
import { gridBoundary, gridIndexOfZ } from './grid.js';

/**
 * The distribution of one column's finite values over some rows, on the reference's binning. Every part is
 * a count, so two sketches on the same binning merge by addition: exactly, and in any order. A few KB per
 * column (a few hundred grid buckets), so a shard's result stays small. The grid has at most 18,272 buckets,
 * so even values spread over hundreds of orders of magnitude cannot make a column's sketch unbounded.
 */
export interface ColumnSketch {
  /** Id of the reference binning the counts were made on; sketches merge only when it matches. */
  ref: string;
  /** Grid bucket counts (grid.ts) as runs of consecutive bucket indexes: [first index, count, count, ...]. */
  grid: number[][];
  /** Counts per histogram bin on the binning's edges: edges.length + 1 bins, outer ones included. */
  histogram: number[];
  /** Value counts, for columns whose reference has few distinct values. */
  categories?: CategoryCounts;
}

export interface CategoryCounts {
  /** Counts of the reference's categories, in the binning's order. */
  counts: number[];
  /** The UNSEEN_KEPT smallest values the reference never had, with their exact counts, ascending. */
  unseen: Array<[value: number, count: number]>;
  /** Every value the reference never had, kept above or not. */
  unseenTotal: number;
}

/**
 * Values not in the reference that keep their own count. Keeping the smallest ones (not the first seen) is
 * what makes the truncation order-independent: a value among the K smallest of the whole data is among the
 * K smallest of every part that holds it, so its count is never cut anywhere.
 */
export const UNSEEN_KEPT = 20;
/** Grid indexes within this distance of the centre are counted in an array; the rare far ones in a Map. */
const DENSE = 1024;
/** Runs are split where more than this many empty buckets lie between two non-empty ones. */
const RUN_GAP = 4;

/** Sketch of the finite values of a batch; `valid` (when given) marks non-null rows. */
export function sketchOf(
  values: ArrayLike<number>,
  binning: ColumnBinning,
  ref: string,
  valid?: ArrayLike<boolean | number>,
): ColumnSketch {
  if (!valid && !binning.categories && values instanceof Float64Array)
    return sketchDense(values, binning, ref);
  return sketchLoop(values, undefined, binning, ref, valid);
}

/**
 * The same sketch from distinct values and how often each occurs (a dictionary-encoded column chunk and its
 * index counts): identical counts, at the cost of the distinct values instead of the rows.
 */
export function sketchOfCounts(
  values: Float64Array,
  counts: Uint32Array,
  binning: ColumnBinning,
  ref: string,
): ColumnSketch {
  if (!binning.categories) return sketchDense(values, binning, ref, counts);
  return sketchLoop(values, counts, binning, ref);
}

function sketchLoop(
  values: ArrayLike<number>,
  counts: Uint32Array | undefined,
  binning: ColumnBinning,
  ref: string,
  valid?: ArrayLike<boolean | number>,
): ColumnSketch {
  const { center, scale, edges } = binning;
  const bucketBin = bucketBinsOf(binning);
  const dense = new Float64Array(2 * DENSE + 1);
  const sparse = new Map<number, number>();
  const histogram = new Float64Array(edges.length + 1);
  const categoryIndex = binning.categories ? new Map(binning.categories.map((v, i) => [v, i])) : undefined;
  const categoryCounts = binning.categories ? new Array<number>(binning.categories.length).fill(0) : [];
  const unseen = new Map<number, number>();
  let unseenTotal = 0;

  for (let i = 0; i < values.length; i++) {
    if (valid && !valid[i]) continue;
    const n = counts ? counts[i]! : 1;
    const v = values[i]!;
    if (v - v !== 0 || n === 0) continue; // NaN and ±Infinity: counted apart by the moments, never sketched
    const k = gridIndexOfZ((v - center) / scale);
    let bin = -1;
    if (k >= -DENSE && k <= DENSE) {
      dense[k + DENSE]! += n;
      bin = bucketBin[k + DENSE]!;
    } else sparse.set(k, (sparse.get(k) ?? 0) + n);
    histogram[bin >= 0 ? bin : binOf(edges, v)]! += n;
    if (categoryIndex) {
      const c = categoryIndex.get(v);
      if (c !== undefined) categoryCounts[c]! += n;
      else {
        unseen.set(v, (unseen.get(v) ?? 0) + n);
        unseenTotal += n;
      }
    }
  }

  const buckets: Array<[number, number]> = [];
  for (let j = 0; j < dense.length; j++) if (dense[j]! > 0) buckets.push([j - DENSE, dense[j]!]);
  for (const [k, n] of sparse) buckets.push([k, n]);
  buckets.sort((a, b) => a[0] - b[0]);
  const sketch: ColumnSketch = { ref, grid: encodeRuns(buckets), histogram: Array.from(histogram) };
  if (categoryIndex) {
    sketch.categories = { counts: categoryCounts, unseen: keepSmallest([...unseen]), unseenTotal };
  }
  return sketch;
}

/**
 * sketchOf for the common case, a column of doubles without a validity mask or categories, as every shard
 * sketches each feature: the same counts, in about half the time. The loop only counts grid buckets; a
 * histogram bin is a sum of whole buckets except where an edge cuts one, so only values in those few
 * buckets (and in far ones) take the binary search over the edges, and the rest are added per bucket after.
 */
function sketchDense(
  values: Float64Array,
  binning: ColumnBinning,
  ref: string,
  counts?: Uint32Array,
): ColumnSketch {
  const { center, scale, edges } = binning;
  const bucketBin = bucketBinsOf(binning);
  // A batch holds fewer than 2^32 rows, so 32-bit counts cannot overflow.
  const dense = new Uint32Array(2 * DENSE + 1);
  const sparse = new Map<number, number>();
  const histogram = new Float64Array(edges.length + 1);
  const n = values.length;
  // Two loops, not one with a weight of 1: the weight's load and test cost the per-row loop a third.
  if (counts) {
    for (let i = 0; i < n; i++) {
      const c = counts[i]!;
      const v = values[i]!;
      if (v - v !== 0 || c === 0) continue; // NaN and ±Infinity: counted apart by the moments
      const k = gridIndexOfZ((v - center) / scale);
      if (k >= -DENSE && k <= DENSE) {
        dense[k + DENSE]! += c;
        if (bucketBin[k + DENSE]! < 0) histogram[binOf(edges, v)]! += c;
      } else {
        sparse.set(k, (sparse.get(k) ?? 0) + c);
        histogram[binOf(edges, v)]! += c;
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      if (v - v !== 0) continue; // NaN and ±Infinity: counted apart by the moments, never sketched
      const k = gridIndexOfZ((v - center) / scale);
      if (k >= -DENSE && k <= DENSE) {
        dense[k + DENSE]!++;
        if (bucketBin[k + DENSE]! < 0) histogram[binOf(edges, v)]!++;
      } else {
        sparse.set(k, (sparse.get(k) ?? 0) + 1);
        histogram[binOf(edges, v)]!++;
      }
    }
  }
  const buckets: Array<[number, number]> = [];
  for (let j = 0; j < dense.length; j++) {
    const count = dense[j]!;
    if (count === 0) continue;
    buckets.push([j - DENSE, count]);
    const bin = bucketBin[j]!;
    if (bin >= 0) histogram[bin]! += count;
  }
  for (const [k, count] of sparse) buckets.push([k, count]);
  buckets.sort((a, b) => a[0] - b[0]);
  return { ref, grid: encodeRuns(buckets), histogram: Array.from(histogram) };
}

/**
 * For each grid bucket near the centre, the histogram bin holding all of it, or -1 when an edge cuts the
 * bucket (its values then take a binary search). Checked with a margin beyond the bucket's ends, so a value
 * placed in the bucket with rounding at its boundary still gets the bin a comparison with the edges gives.
 * Computed once per binning object: shards of a job share one parsed binning per process.
 */
const bucketBinCache = new WeakMap<ColumnBinning, Int16Array>();

function bucketBinsOf(binning: ColumnBinning): Int16Array {
  let table = bucketBinCache.get(binning);
  if (table) return table;
  table = new Int16Array(2 * DENSE + 1);
  for (let k = -DENSE; k <= DENSE; k++) {
    const lo = gridBoundary(binning, k);
    const hi = gridBoundary(binning, k + 1);
    const margin = 1e-12 * (Math.abs(lo) + Math.abs(hi)) + 1e-9 * binning.scale;
    const first = binOf(binning.edges, lo - margin);
    table[k + DENSE] = first === binOf(binning.edges, hi + margin) ? first : -1;
  }
  bucketBinCache.set(binning, table);
  return table;
}

/** Histogram bin of a finite value: the number of edges at or below it. */
export function binOf(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sum of two sketches, or null when they were made on different binnings (they cannot be combined). */
export function mergeSketches(a: ColumnSketch, b: ColumnSketch): ColumnSketch | null {
  if (a.ref !== b.ref || a.histogram.length !== b.histogram.length) return null;
  if ((a.categories === undefined) !== (b.categories === undefined)) return null;
  const merged: ColumnSketch = {
    ref: a.ref,
    grid: encodeRuns(addBuckets(decodeRuns(a.grid), decodeRuns(b.grid))),
    histogram: a.histogram.map((n, i) => n + b.histogram[i]!),
  };
  if (a.categories && b.categories) {
    if (a.categories.counts.length !== b.categories.counts.length) return null;
    merged.categories = mergeCategories(a.categories, b.categories);
  }
  return merged;
}

function mergeCategories(a: CategoryCounts, b: CategoryCounts): CategoryCounts {
  const unseen = new Map<number, number>(a.unseen);
  for (const [v, n] of b.unseen) unseen.set(v, (unseen.get(v) ?? 0) + n);
  return {
    counts: a.counts.map((n, i) => n + b.counts[i]!),
    unseen: keepSmallest([...unseen]),
    unseenTotal: a.unseenTotal + b.unseenTotal,
  };
}

function keepSmallest(entries: Array<[number, number]>): Array<[number, number]> {
  return entries.sort((x, y) => x[0] - y[0]).slice(0, UNSEEN_KEPT);
}

/** Non-empty buckets, ascending by index, from their run encoding. */
export function decodeRuns(runs: readonly (readonly number[])[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const run of runs) {
    const first = run[0]!;
    for (let j = 1; j < run.length; j++) if (run[j]! > 0) out.push([first + j - 1, run[j]!]);
  }
  return out;
}

/** Runs of consecutive bucket indexes; short gaps are written as zeros, longer ones start a new run. */
export function encodeRuns(buckets: ReadonlyArray<readonly [number, number]>): number[][] {
  const runs: number[][] = [];
  let run: number[] | undefined;
  let next = 0;
  for (const [k, n] of buckets) {
    if (!run || k - next > RUN_GAP) {
      run = [k];
      runs.push(run);
    } else for (; next < k; next++) run.push(0);
    run.push(n);
    next = k + 1;
  }
  return runs;
}

function addBuckets(
  a: ReadonlyArray<readonly [number, number]>,
  b: ReadonlyArray<readonly [number, number]>,
): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x[0] < y[0])) {
      out.push([x![0], x![1]]);
      i++;
    } else if (x === undefined || y[0] < x[0]) {
      out.push([y[0], y[1]]);
      j++;
    } else {
      out.push([x[0], x[1] + y[1]]);
      i++;
      j++;
    }
  }
  return out;
}
