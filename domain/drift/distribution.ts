import type { ColumnBinning } from './binning.js';
import { gridBoundary, gridIndex, type Grid } from './grid.js';
import { decodeRuns, type ColumnSketch } from './sketch.js';

/**
 * A sketch read as a distribution: cumulative counts at grid boundaries (exact), quantiles and a CDF
 * between boundaries by linear interpolation inside the bucket (off by at most the bucket's width).
 */
export class GridDistribution {
  /** Non-empty buckets, ascending: [index, count]. */
  readonly buckets: ReadonlyArray<readonly [number, number]>;
  /** Values counted before each bucket. */
  private readonly before: number[];
  readonly total: number;

  constructor(
    readonly grid: Grid,
    sketch: ColumnSketch,
    /** Exact range of the values, to clamp estimates (a sketch's outer buckets are wider than the data). */
    readonly min: number | null,
    readonly max: number | null,
  ) {
    this.buckets = decodeRuns(sketch.grid);
    this.before = [];
    let total = 0;
    for (const [, n] of this.buckets) {
      this.before.push(total);
      total += n;
    }
    this.total = total;
  }

  lower(k: number): number {
    return gridBoundary(this.grid, k);
  }

  upper(k: number): number {
    return gridBoundary(this.grid, k + 1);
  }

  /** The value at rank q·total, interpolated inside its bucket and clamped to the exact range. */
  quantile(q: number): number | null {
    const found = this.locate(q);
    if (!found) return null;
    const { k, fraction } = found;
    const x = this.lower(k) + fraction * (this.upper(k) - this.lower(k));
    return this.clamp(x);
  }

  /** Width of the bucket holding quantile q: the estimate's error bound. */
  quantileBound(q: number): number | null {
    const found = this.locate(q);
    if (!found) return null;
    const lo = this.clamp(this.lower(found.k));
    const hi = this.clamp(this.upper(found.k));
    return hi - lo;
  }

  private locate(q: number): { k: number; fraction: number } | null {
    if (this.total === 0) return null;
    const rank = Math.min(Math.max(q, 0), 1) * this.total;
    for (let i = 0; i < this.buckets.length; i++) {
      const [k, n] = this.buckets[i]!;
      const start = this.before[i]!;
      if (rank <= start + n || i === this.buckets.length - 1) {
        return { k, fraction: Math.min(1, Math.max(0, (rank - start) / n)) };
      }
    }
    return null;
  }

  /** Share of values below x: exact at grid boundaries, linear inside a bucket. */
  cdf(x: number): number {
    if (this.total === 0) return 0;
    if (this.min !== null && x <= this.min) return 0;
    if (this.max !== null && x > this.max) return 1;
    const k = gridIndex(this.grid, x);
    let lo = 0;
    let hi = this.buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buckets[mid]![0] < k) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.buckets.length) return 1;
    const [bk, n] = this.buckets[lo]!;
    const below = this.before[lo]!;
    if (bk !== k) return below / this.total;
    const a = this.clamp(this.lower(k));
    const b = this.clamp(this.upper(k));
    const fraction = b > a ? Math.min(1, Math.max(0, (x - a) / (b - a))) : 1;
    return (below + fraction * n) / this.total;
  }

  private clamp(x: number): number {
    if (this.min !== null && x < this.min) return this.min;
    if (this.max !== null && x > this.max) return this.max;
    return x;
  }
}

/**
 * Exact value counts when a sketch has them completely: every reference category and every value the
 * reference never had (none cut by the UNSEEN_KEPT limit). Keys ascending.
 */
export function exactValueCounts(
  sketch: ColumnSketch,
  binning: ColumnBinning,
): Array<[value: number, count: number]> | null {
  const categories = sketch.categories;
  if (!categories || !binning.categories) return null;
  const kept = categories.unseen.reduce((n, [, c]) => n + c, 0);
  if (kept !== categories.unseenTotal) return null;
  const counts = new Map<number, number>();
  binning.categories.forEach((v, i) => counts.set(v, categories.counts[i]!));
  for (const [v, n] of categories.unseen) counts.set(v, (counts.get(v) ?? 0) + n);
  return [...counts].sort((a, b) => a[0] - b[0]);
}
