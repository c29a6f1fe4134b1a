/**
 * Mergeable per-column statistics. A shard computes them over its rows; the workflow merges shard results
 * in any order. Counts, min and max merge exactly; mean and variance merge with Chan et al.'s parallel
 * update, exact up to floating-point rounding.
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
}

export type StatsByColumn = Record<string, ColumnStats>;

export function emptyColumnStats(): ColumnStats {
  return { count: 0, nulls: 0, nans: 0, infinities: 0, mean: 0, m2: 0, min: null, max: null };
}

export function mergeColumnStats(a: ColumnStats, b: ColumnStats): ColumnStats {
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
    merged.mean = a.mean + (delta * b.count) / count;
    merged.m2 = a.m2 + b.m2 + (delta * delta * a.count * b.count) / count;
  }
  return merged;
}

export function mergeStats(a: StatsByColumn, b: StatsByColumn): StatsByColumn {
  const out: StatsByColumn = { ...a };
  for (const [column, stats] of Object.entries(b)) {
    const existing = out[column];
    out[column] = existing ? mergeColumnStats(existing, stats) : stats;
  }
  return out;
}

/**
 * Statistics of one batch of values. `valid` (when given) marks non-null rows; NaN and infinities are
 * recognised in the values themselves.
 */
export function columnStatsOf(values: ArrayLike<number>, valid?: ArrayLike<boolean | number>): ColumnStats {
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
  stats.mean = mean;
  stats.m2 = m2;
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
