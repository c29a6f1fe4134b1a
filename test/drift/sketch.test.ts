import { describe, expect, it } from 'vitest';
import { histogramEdges, nextUp } from '../../domain/drift/binning.js';
import { GridDistribution } from '../../domain/drift/distribution.js';
import { gridBoundary, gridIndex, GRID_MAX_INDEX } from '../../domain/drift/grid.js';
import { UNSEEN_KEPT } from '../../domain/drift/sketch.js';
import {
  columnStatsOf,
  mergeColumnStats,
  mergeStats,
  type ColumnStats,
  type StatsByColumn,
} from '../../domain/stats.js';
import { binningOf, random, sketched } from './helpers.js';

/** Splits values into `parts` contiguous shards of random sizes. */
function shards(values: number[], parts: number, seed: number): number[][] {
  const rng = random(seed);
  const cuts = [
    ...new Set(Array.from({ length: parts - 1 }, () => Math.floor(rng.uniform() * values.length))),
  ].sort((a, b) => a - b);
  return [0, ...cuts, values.length]
    .slice(1)
    .map((end, i, ends) => values.slice(i === 0 ? 0 : ends[i - 1]!, end));
}

function shuffled<T>(items: T[], seed: number): T[] {
  const rng = random(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const rng = random(7);
const reference = Array.from({ length: 20_000 }, () => 300 + 2 * rng.normal());
// Current: shifted, with missing values, infinities and a few huge outliers.
const current = Array.from({ length: 50_000 }, (_, i) =>
  i % 997 === 0 ? NaN : i % 1999 === 0 ? Infinity : i % 4999 === 0 ? 1e12 : 300.5 + 2.2 * rng.normal(),
);
const binning = binningOf(reference);

describe('merging shard sketches', () => {
  const whole = sketched(current, binning);

  it.each([1, 2, 3])('equals the sketch of the whole data exactly, in any order (seed %i)', (seed) => {
    const parts = shards(current, 40, seed).map((p) => sketched(p, binning));
    for (const order of [parts, [...parts].reverse(), shuffled(parts, seed)]) {
      const merged = order.reduce(mergeColumnStats);
      expect(merged.sketch).toEqual(whole.sketch);
      expect(merged).toMatchObject({
        count: whole.count,
        nans: whole.nans,
        infinities: whole.infinities,
        min: whole.min,
        max: whole.max,
      });
      expect(merged.mean / whole.mean).toBeCloseTo(1, 12);
      expect(merged.m2 / whole.m2).toBeCloseTo(1, 12);
    }
  });

  it('merges as a tree as well as a chain (how partitions and the job combine)', () => {
    const parts = shards(current, 64, 4).map((p) => sketched(p, binning));
    let level = parts;
    while (level.length > 1) {
      const next: ColumnStats[] = [];
      for (let i = 0; i < level.length; i += 2)
        next.push(level[i + 1] ? mergeColumnStats(level[i]!, level[i + 1]!) : level[i]!);
      level = next;
    }
    expect(level[0]!.sketch).toEqual(whole.sketch);
  });

  it('gives the same quantiles as the whole data (the counts are identical), within the bucket width of the truth', () => {
    const merged = shards(current, 10, 5)
      .map((p) => sketched(p, binning))
      .reduce(mergeColumnStats);
    const a = new GridDistribution(binning, merged.sketch!, merged.min, merged.max);
    const b = new GridDistribution(binning, whole.sketch!, whole.min, whole.max);
    const sorted = current.filter((v) => Number.isFinite(v)).sort((x, y) => x - y);
    for (const q of [0.01, 0.1, 0.5, 0.9, 0.99]) {
      expect(a.quantile(q)).toBe(b.quantile(q));
      const truth = sorted[Math.ceil(q * sorted.length) - 1]!;
      expect(Math.abs(a.quantile(q)! - truth)).toBeLessThanOrEqual(a.quantileBound(q)!);
    }
  });

  it('survives a JSON round trip, as Temporal payloads do', () => {
    const parts = shards(current, 5, 6).map(
      (p) => JSON.parse(JSON.stringify(sketched(p, binning))) as ColumnStats,
    );
    expect(parts.reduce(mergeColumnStats).sketch).toEqual(whole.sketch);
  });

  it('counts only finite values: NaN, null and infinities stay out of the sketch', () => {
    const histogramTotal = whole.sketch!.histogram.reduce((a, b) => a + b, 0);
    expect(histogramTotal).toBe(whole.count);
    expect(whole.infinities).toBeGreaterThan(0);
    expect(whole.nans).toBeGreaterThan(0);
    const withNulls = columnStatsOf([1, 2, 3, 4], [1, 0, 1, 0], { binning, ref: 'test' });
    expect(withNulls.nulls).toBe(2);
    expect(withNulls.sketch!.histogram.reduce((a, b) => a + b, 0)).toBe(2);
  });
});

describe('merging what cannot be combined', () => {
  const a = sketched([1, 2, 3], binning, 'profile-a');
  const b = sketched([4, 5], binning, 'profile-b');
  const plain = columnStatsOf([6, 7]);
  const empty = sketched([], binning, 'profile-b');

  it('sketches on different reference profiles merge to null, never to a mixed distribution', () => {
    expect(mergeColumnStats(a, b).sketch).toBeNull();
  });

  it('a part without a sketch makes the result null in any order; empty parts are neutral', () => {
    expect(mergeColumnStats(a, plain).sketch).toBeNull();
    expect(mergeColumnStats(plain, a).sketch).toBeNull();
    expect(mergeColumnStats(a, empty).sketch).toEqual(a.sketch);
    expect(mergeColumnStats(empty, a).sketch).toEqual(a.sketch);
    expect(mergeColumnStats(plain, plain).sketch).toBeUndefined();
    // Null absorbs: the order of merging never matters.
    const orders = [
      [a, plain, a],
      [plain, a, a],
      [a, a, plain],
    ];
    for (const order of orders) expect(order.reduce(mergeColumnStats).sketch).toBeNull();
  });

  it('merges statistics recorded before sketches existed (replayed histories, resumed jobs)', () => {
    const legacy: StatsByColumn = {
      x: { count: 2, nulls: 0, nans: 0, infinities: 0, mean: 1, m2: 0, min: 1, max: 1 },
    };
    const merged = mergeStats(legacy, legacy);
    expect(merged.x).toMatchObject({ count: 4, mean: 1, min: 1, max: 1 });
    expect(merged.x!.sketch).toBeUndefined();
  });
});

describe('values the reference never had', () => {
  it('keeps the smallest ones with exact counts whatever the shard order', () => {
    const categories = binningOf([0, 1, 2, 0, 1, 2]);
    const values = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? 100 + (i % 97) : i % 3));
    const whole = sketched(values, categories);
    for (const seed of [1, 2]) {
      const merged = shuffled(shards(values, 30, seed), seed)
        .map((p) => sketched(p, categories))
        .reduce(mergeColumnStats);
      expect(merged.sketch).toEqual(whole.sketch);
    }
    const unseen = whole.sketch!.categories!;
    expect(unseen.unseen).toHaveLength(UNSEEN_KEPT);
    expect(unseen.unseen[0]).toEqual([100, values.filter((v) => v === 100).length]);
    expect(unseen.unseenTotal).toBe(values.filter((v) => v >= 100).length);
  });
});

describe('the grid', () => {
  it('puts every finite value in the bucket whose boundaries hold it', () => {
    const grid = { center: 300, scale: 2 };
    const r = random(3);
    const values = [
      ...Array.from({ length: 2000 }, () => 300 + 50 * r.normal()),
      300,
      -0,
      1e-300,
      -1e300,
      1e308,
      -Number.MAX_VALUE,
      Number.MAX_VALUE,
    ];
    for (const x of values) {
      const k = gridIndex(grid, x);
      expect(Math.abs(k)).toBeLessThanOrEqual(GRID_MAX_INDEX);
      const lo = gridBoundary(grid, k);
      const hi = gridBoundary(grid, k + 1);
      expect(x).toBeGreaterThanOrEqual(lo - 1e-9 * Math.abs(lo));
      expect(x).toBeLessThanOrEqual(hi + 1e-9 * Math.abs(hi));
    }
  });

  it('is 1% of a scale wide at the centre and about 1% of the distance far out', () => {
    const grid = { center: 0, scale: 1 };
    expect(gridBoundary(grid, 1) - gridBoundary(grid, 0)).toBeCloseTo(Math.expm1(0.01), 12);
    const k = gridIndex(grid, 10);
    expect((gridBoundary(grid, k + 1) - gridBoundary(grid, k)) / 11).toBeCloseTo(Math.expm1(0.01), 3);
  });
});

describe('histogram edges from reference quantiles', () => {
  it('give a constant column one bin of its own, never zero-width duplicates', () => {
    expect(histogramEdges([5, 5, 5, 5, 5, 5, 5, 5, 5], 5, 5)).toEqual([5, nextUp(5)]);
    const constant = binningOf(Array(100).fill(21.61));
    expect(constant.edges).toEqual([21.61, nextUp(21.61)]);
    expect(constant.categories).toEqual([21.61]);
    expect(constant.scale).toBeGreaterThan(0);
  });

  it('give a heavy atom its own bin and keep edges strictly increasing', () => {
    const edges = histogramEdges([0, 0, 0, 0, 1, 2, 3, 4, 5], 0, 9);
    expect(edges).toEqual([0, nextUp(0), 1, 2, 3, 4, 5, nextUp(9)]);
    for (let i = 1; i < edges.length; i++) expect(edges[i]!).toBeGreaterThan(edges[i - 1]!);
  });

  it('stay finite at the largest double (JSON cannot carry Infinity)', () => {
    const edges = histogramEdges([1, 2], 0, Number.MAX_VALUE);
    expect(edges.every((e) => Number.isFinite(e))).toBe(true);
  });
});

describe('shard results stay small', () => {
  it('20 sensor features and 3 outputs over 100,000 rows: well under 100 KB', () => {
    const r = random(11);
    const stats: StatsByColumn = {};
    for (let f = 0; f < 23; f++) {
      const ref = Array.from({ length: 20_000 }, () => 100 * f + (1 + f) * r.normal());
      const bins = binningOf(ref);
      // Heavy tails in some columns: more occupied buckets than a normal sensor.
      const values = Array.from({ length: 100_000 }, () =>
        f % 4 === 0
          ? 100 * f + (1 + f) * (r.normal() / Math.max(Math.abs(r.normal()), 0.05))
          : 100 * f + (1 + f) * r.normal(),
      );
      stats[`sensor_${f}`] = sketched(values, bins);
    }
    const bytes = JSON.stringify(stats).length;
    expect(bytes).toBeLessThan(100_000);
  });
});
