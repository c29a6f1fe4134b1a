import type { ColumnBinning } from './drift/binning.js';
import { mergeSketches, sketchOf, sketchOfCounts, type ColumnSketch } from './drift/sketch.js';

/**
 * Mergeable per-column statistics. A shard computes them over its rows; the workflow merges shard results
 * in any order. Counts, min, max and the sketch (histogram, quantile grid, value counts) merge exactly and
 * order-independently; mean and variance merge with Chan et al.'s parallel update, equal across orders up to
 * floating-point rounding. Drift decisions use only the exact parts (and the reference's fixed moments).
 */
export interface ColumnStats {
  /** Finite values seen. */
  count: number;
  /** Nulls in the Parquet column. */
  nulls: number;
  /** NaN values (missing for the model, like nulls, but counted apart). */
  nans: number;
  /** +Infinity and -Infinity values: counted, never folded into mean or variance. */
  infinities: number;
  mean: number;
  /** Sum of squared deviations from the mean. */
  m2: number;
  /** Smallest finite value; null until one is seen (JSON, and so Temporal payloads, cannot carry Infinity). */
  min: number | null;
  max: number | null;
  /**
   * Distribution on the reference profile's binning (domain/drift/sketch.ts). Absent when the column has no
   * binning (no reference profile, or a column the profile does not cover); null when merged parts could not
   * be combined (made on different reference profiles, or some parts without one), so a report never
   * compares an incomplete distribution.
   */
  sketch?: ColumnSketch | null;
}

export type StatsByColumn = Record<string, ColumnStats>;

export function emptyColumnStats(): ColumnStats {
  return { count: 0, nulls: 0, nans: 0, infinities: 0, mean: 0, m2: 0, min: null, max: null };
}

export function mergeColumnStats(a: ColumnStats, b: ColumnStats): ColumnStats {
  const merged = mergeMoments(a, b);
  const sketch = mergeSketchOf(a, b);
  if (sketch !== undefined) merged.sketch = sketch;
  return merged;
}

/** Rows a part saw of the column: a part that saw none is neutral in a merge, whatever its sketch. */
function rowsOf(stats: ColumnStats): number {
  return stats.count + stats.nulls + stats.nans + stats.infinities;
}

/**
 * Sketches combine when both parts have one on the same binning. A part with rows but no sketch, or a sketch
 * on another binning, makes the merged sketch null: null absorbs everything but an empty part, so the
 * result is the same in any merge order.
 */
function mergeSketchOf(a: ColumnStats, b: ColumnStats): ColumnSketch | null | undefined {
  const emptyA = rowsOf(a) === 0;
  const emptyB = rowsOf(b) === 0;
  if (emptyA && !emptyB) return b.sketch;
  if (emptyB && !emptyA) return a.sketch;
  if (emptyA && (!a.sketch || !b.sketch)) return a.sketch ?? b.sketch;
  if (a.sketch === undefined && b.sketch === undefined) return undefined;
  if (!a.sketch || !b.sketch) return null;
  return mergeSketches(a.sketch, b.sketch);
}

function mergeMoments(a: ColumnStats, b: ColumnStats): ColumnStats {
  const count = a.count + b.count;
  const merged: ColumnStats = {
    count,
    nulls: a.nulls + b.nulls,
    nans: a.nans + b.nans,
    infinities: a.infinities + b.infinities,
    mean: 0,
    m2: 0,
    min: a.min === null ? b.min : b.min === null ? a.min : Math.min(a.min, b.min),
    max: a.max === null ? b.max : b.max === null ? a.max : Math.max(a.max, b.max),
  };
  if (count > 0) {
    const delta = b.mean - a.mean;
    merged.mean = saturate(a.mean + (delta * b.count) / count);
    merged.m2 = saturate(a.m2 + b.m2 + (delta * delta * a.count * b.count) / count);
  }
  return merged;
}

/**
 * Squares of values past 1e154 overflow; JSON (and so Temporal) would turn Infinity into null and a later
 * merge would read it as 0. Moments saturate at the largest double instead: the std reads as huge, which is
 * true. (Drift tests use the sketch, which has no such limit.)
 */
function saturate(v: number): number {
  if (Number.isNaN(v)) return Number.MAX_VALUE;
  return Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, v));
}

export function mergeStats(a: StatsByColumn, b: StatsByColumn): StatsByColumn {
  const out: StatsByColumn = { ...a };
  for (const [column, stats] of Object.entries(b)) {
    const existing = out[column];
    out[column] = existing ? mergeColumnStats(existing, stats) : stats;
  }
  return out;
}

/** The binning a column's sketch is made on, and the id of the reference profile it comes from. */
export interface SketchTarget {
  binning: ColumnBinning;
  ref: string;
}

/**
 * Statistics of one batch of values. `valid` (when given) marks non-null rows; NaN and infinities are
 * recognised in the values themselves. With a target, the finite values are also sketched on its binning.
 */
export function columnStatsOf(
  values: ArrayLike<number>,
  valid?: ArrayLike<boolean | number>,
  target?: SketchTarget,
): ColumnStats {
  const stats = momentsOf(values, valid);
  if (target) stats.sketch = sketchOf(values, target.binning, target.ref, valid);
  return stats;
}

/**
 * The same statistics from distinct values and how many rows hold each (a dictionary-encoded column chunk
 * and its index counts), at the cost of the distinct values instead of the rows. Counts, extremes and the
 * sketch are exactly the per-row ones; the mean and m2 sum value × count, so they may differ from the
 * per-row sums in the last bits (both are rounded sums; this one rounds fewer times). Rows that are null
 * hold no value here: `nulls` is left 0 for the caller to set.
 */
export function columnStatsOfCounts(
  values: Float64Array,
  counts: Uint32Array,
  target?: SketchTarget,
): ColumnStats {
  const stats = emptyColumnStats();
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < values.length; j++) {
    const c = counts[j]!;
    if (c === 0) continue;
    const v = values[j]!;
    if (Number.isNaN(v)) stats.nans += c;
    else if (v === Infinity || v === -Infinity) stats.infinities += c;
    else {
      stats.count += c;
      sum += v * c;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (stats.count > 0) {
    const mean = sum / stats.count;
    let m2 = 0;
    for (let j = 0; j < values.length; j++) {
      const v = values[j]!;
      if (counts[j]! > 0 && Number.isFinite(v)) m2 += counts[j]! * (v - mean) * (v - mean);
    }
    stats.mean = saturate(mean);
    stats.m2 = saturate(m2);
    stats.min = min;
    stats.max = max;
  }
  if (target) stats.sketch = sketchOfCounts(values, counts, target.binning, target.ref);
  return stats;
}

function momentsOf(values: ArrayLike<number>, valid?: ArrayLike<boolean | number>): ColumnStats {
  const stats = emptyColumnStats();
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (valid && !valid[i]) {
      stats.nulls++;
      continue;
    }
    const v = values[i]!;
    if (Number.isNaN(v)) stats.nans++;
    else if (v === Infinity || v === -Infinity) stats.infinities++;
    else {
      stats.count++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (stats.count === 0) return stats;
  const mean = sum / stats.count;
  // Second pass for the squared deviations: one-pass sum-of-squares loses precision on sensor values like 300 K.
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    if (valid && !valid[i]) continue;
    const v = values[i]!;
    if (Number.isFinite(v)) m2 += (v - mean) * (v - mean);
  }
  stats.mean = saturate(mean);
  stats.m2 = saturate(m2);
  stats.min = min;
  stats.max = max;
  return stats;
}

export interface ColumnSummary {
  rows: number;
  count: number;
  missing: number;
  missingRate: number;
  infinities: number;
  mean: number | null;
  std: number | null;
  min: number | null;
  max: number | null;
}

/** Human-facing numbers (sample standard deviation, missing rate) from mergeable statistics. */
export function summarize(stats: ColumnStats): ColumnSummary {
  const missing = stats.nulls + stats.nans;
  const rows = stats.count + missing + stats.infinities;
  return {
    rows,
    count: stats.count,
    missing,
    missingRate: rows > 0 ? missing / rows : 0,
    infinities: stats.infinities,
    mean: stats.count > 0 ? stats.mean : null,
    std: stats.count > 1 ? Math.sqrt(stats.m2 / (stats.count - 1)) : null,
    min: stats.min,
    max: stats.max,
  };
}
