import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gridFromSample, type ColumnBinning } from '../../domain/drift/binning.js';
import { buildDriftReport } from '../../domain/drift/compare.js';
import { exactValueCounts, GridDistribution } from '../../domain/drift/distribution.js';
import { kolmogorovSf, ksTwoSamplePValue } from '../../domain/drift/kolmogorov.js';
import {
  chiSquareContingency,
  jensenShannon,
  ksFromCounts,
  ksFromSketches,
  psi,
  wassersteinFromCounts,
  wassersteinFromSketches,
  zTestProportions,
} from '../../domain/drift/metrics.js';
import { chiSquareSf, normalTwoSidedP } from '../../domain/drift/special.js';
import { columnStatsOf, summarize } from '../../domain/stats.js';
import { ROOT } from '../helpers/paths.js';

/**
 * Our statistics against scipy/numpy on fixed vectors (test/fixtures/drift/make_vectors.py). Stated
 * tolerances: p-values and special functions 1e-9 relative (measured: about 1e-12); PSI, Jensen-Shannon,
 * chi-square and exact-count KS/Wasserstein 1e-12; sketch-path KS D inside [statistic, upper bound],
 * sketch-path Wasserstein within its reported bound, sketch quantiles (of rank ceil(q n), numpy's
 * 'inverted_cdf') within the width of their bucket.
 */
interface Sample {
  name: string;
  reference: number[];
  current: number[];
  ks: { statistic: number; pValue: number };
  wasserstein: number;
  wassersteinNormed: number;
  edges: number[];
  histogram: { reference: number[]; current: number[] };
  psi: number;
  jensenShannon: number;
  quantiles: Record<string, number>;
  categories?: {
    values: number[];
    reference: number[];
    current: number[];
    psi: number;
    jensenShannon: number;
    chiSquare: { statistic: number; dof: number; pValue: number };
    zTest?: { statistic: number; pValue: number };
  };
}

interface Vectors {
  samples: Sample[];
  ksPValues: Array<{ n1: number; n2: number; d: number; pValue: number }>;
  kstwoSf: Array<{ n: number; x: number; sf: number }>;
  special: {
    chiSquareSf: Array<{ x: number; dof: number; sf: number }>;
    normalTwoSided: Array<{ z: number; p: number }>;
  };
}

const vectors = JSON.parse(
  readFileSync(path.join(ROOT, 'test', 'fixtures', 'drift', 'vectors.json'), 'utf8'),
) as Vectors;

function expectRelative(actual: number, expected: number, tolerance: number): void {
  const scale = Math.max(Math.abs(expected), 1e-300);
  expect(Math.abs(actual - expected) / scale, `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

describe('p-values and special functions against scipy', () => {
  it.each(vectors.ksPValues)('ks_2samp p-value, n1=$n1 n2=$n2', ({ n1, n2, d, pValue }) => {
    expectRelative(ksTwoSamplePValue(d, n1, n2).pValue, pValue, 1e-9);
  });

  it.each(vectors.kstwoSf)('kstwo.sf(x=$x, n=$n)', ({ n, x, sf }) => {
    expectRelative(kolmogorovSf(n, x), sf, 1e-9);
  });

  it.each(vectors.special.chiSquareSf)('chi2.sf($x, $dof)', ({ x, dof, sf }) => {
    expectRelative(chiSquareSf(x, dof), sf, 1e-9);
  });

  it.each(vectors.special.normalTwoSided)('2 norm.sf(|$z|)', ({ z, p }) => {
    expectRelative(normalTwoSidedP(z), p, 1e-9);
  });
});

describe.each(vectors.samples)('$name', (sample) => {
  const sorted = Float64Array.from(sample.reference).sort();
  const refSummary = summarize(columnStatsOf(sample.reference));
  const distinct = [...new Set(sample.reference)];
  const binning: ColumnBinning = {
    ...gridFromSample(sorted, refSummary.std),
    edges: sample.edges,
    ...(sample.categories && distinct.length <= 20 ? { categories: distinct.sort((a, b) => a - b) } : {}),
  };
  const target = { binning, ref: 'vectors' };
  const ref = columnStatsOf(sample.reference, undefined, target);
  const cur = columnStatsOf(sample.current, undefined, target);
  const refDist = new GridDistribution(binning, ref.sketch!, ref.min, ref.max);
  const curDist = new GridDistribution(binning, cur.sketch!, cur.min, cur.max);

  it('counts the histogram on the reference edges exactly as numpy does', () => {
    expect(ref.sketch!.histogram).toEqual(sample.histogram.reference);
    expect(cur.sketch!.histogram).toEqual(sample.histogram.current);
  });

  it('PSI and Jensen-Shannon on those bins match', () => {
    expectRelative(psi(ref.sketch!.histogram, cur.sketch!.histogram), sample.psi, 1e-12);
    expectRelative(jensenShannon(ref.sketch!.histogram, cur.sketch!.histogram), sample.jensenShannon, 1e-12);
  });

  it("brackets scipy's KS D from the sketches, with scipy's p-value at scipy's D", () => {
    const ks = ksFromSketches(refDist, curDist);
    expect(ks.statistic).toBeLessThanOrEqual(sample.ks.statistic + 1e-12);
    expect(ks.statisticUpperBound).toBeGreaterThanOrEqual(sample.ks.statistic - 1e-12);
    expectRelative(
      ksTwoSamplePValue(sample.ks.statistic, ref.count, cur.count).pValue,
      sample.ks.pValue,
      1e-9,
    );
    if (Math.abs(ks.statistic - sample.ks.statistic) < 1e-12)
      expectRelative(ks.pValue, sample.ks.pValue, 1e-9);
  });

  it("keeps the sketch Wasserstein distance within its bound of scipy's", () => {
    const w = wassersteinFromSketches(refDist, curDist);
    expect(Math.abs(w.distance - sample.wasserstein)).toBeLessThanOrEqual(w.bound + 1e-12);
    // The bound is a worst case; on these samples the error is far smaller.
    expect(Math.abs(w.distance - sample.wasserstein)).toBeLessThanOrEqual(0.25 * w.bound + 1e-12);
  });

  it('estimates quantiles within the width of the bucket that holds them', () => {
    for (const [q, expected] of Object.entries(sample.quantiles)) {
      const estimate = refDist.quantile(Number(q))!;
      expect(Math.abs(estimate - expected)).toBeLessThanOrEqual(refDist.quantileBound(Number(q))! + 1e-12);
    }
  });

  if (sample.categories) {
    const c = sample.categories;
    it('matches scipy exactly from value counts: KS, Wasserstein, chi-square, PSI, Jensen-Shannon, z', () => {
      const refCounts = exactValueCounts(ref.sketch!, binning)!;
      const curCounts = exactValueCounts(cur.sketch!, binning)!;
      const keys = [...new Set([...refCounts, ...curCounts].map(([v]) => v))].sort((a, b) => a - b);
      expect(keys).toEqual(c.values);
      const on = (counts: Array<[number, number]>) => keys.map((k) => new Map(counts).get(k) ?? 0);
      expect(on(refCounts)).toEqual(c.reference);
      expect(on(curCounts)).toEqual(c.current);
      const ks = ksFromCounts(c.reference, c.current);
      expectRelative(ks.statistic, sample.ks.statistic, 1e-12);
      expectRelative(ks.pValue, sample.ks.pValue, 1e-9);
      expectRelative(wassersteinFromCounts(keys, c.reference, c.current).distance, sample.wasserstein, 1e-12);
      const chi = chiSquareContingency(c.reference, c.current);
      expect(chi.dof).toBe(c.chiSquare.dof);
      expectRelative(chi.statistic, c.chiSquare.statistic, 1e-12);
      expectRelative(chi.pValue, c.chiSquare.pValue, 1e-9);
      expectRelative(psi(c.reference, c.current), c.psi, 1e-12);
      expectRelative(jensenShannon(c.reference, c.current), c.jensenShannon, 1e-12);
      if (c.zTest) {
        const z = zTestProportions(c.reference[0]!, ref.count, c.current[0]!, cur.count);
        expectRelative(z.statistic, c.zTest.statistic, 1e-12);
        expectRelative(z.pValue, c.zTest.pValue, 1e-9);
      }
    });
  }

  it("reports Evidently's default test with the reference implementation's value", () => {
    const report = buildDriftReport({
      features: ['x'],
      predictionColumn: 'prediction',
      current: { x: cur },
      currentRows: sample.current.length,
      reference: {
        id: 'vectors',
        source: 'vectors',
        rows: sample.reference.length,
        stats: { x: ref },
        binning: { x: binning },
      },
    });
    const x = report.features[0]!;
    const distinctAll = new Set([...sample.reference, ...sample.current]).size;
    const small = sample.reference.length <= 1000;
    const expected = small
      ? distinctAll > 5
        ? 'ks'
        : distinctAll > 2
          ? 'chisquare'
          : 'z'
      : distinctAll > 5
        ? 'wasserstein'
        : 'jensenshannon';
    expect(x.test!.name).toBe(expected);
    if (expected === 'wasserstein') {
      const bound = x.metrics.wasserstein!.normedBound;
      expect(Math.abs(x.test!.value - sample.wassersteinNormed)).toBeLessThanOrEqual(bound + 1e-12);
    }
    if (expected === 'ks' && x.metrics.exact) expectRelative(x.test!.value, sample.ks.pValue, 1e-9);
    if (expected === 'chisquare') expectRelative(x.test!.value, sample.categories!.chiSquare.pValue, 1e-9);
    if (expected === 'z') expectRelative(x.test!.value, sample.categories!.zTest!.pValue, 1e-9);
  });
});
