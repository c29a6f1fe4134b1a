import { beforeEach, describe, expect, it } from 'vitest';
import type { ColumnBinning } from '../../domain/drift/binning.js';
import { nextUp } from '../../domain/drift/binning.js';
import { buildDriftReport } from '../../domain/drift/compare.js';
import type { DriftOptions } from '../../domain/drift/policy.js';
import type { DriftReport } from '../../domain/drift/report.js';
import { emptyColumnStats, mergeColumnStats, type StatsByColumn } from '../../domain/stats.js';
import { renderDriftReport } from '../../report/html.js';
import { binningOf, random, sketched } from './helpers.js';

/** A report comparing columns given as plain arrays, through the same sketches shards return. */
function report(
  columns: Record<string, { ref: number[]; cur: number[] }>,
  options?: Partial<DriftOptions>,
  currentRows?: number,
): DriftReport {
  const binning: Record<string, ColumnBinning> = {};
  const ref: StatsByColumn = {};
  const cur: StatsByColumn = {};
  for (const [name, { ref: r, cur: c }] of Object.entries(columns)) {
    binning[name] = binningOf(r);
    ref[name] = sketched(r, binning[name]);
    // Current statistics arrive as many shards: merge a few, as the workflow does.
    const third = Math.ceil(c.length / 3);
    cur[name] = [c.slice(0, third), c.slice(third, 2 * third), c.slice(2 * third)]
      .map((part) => sketched(part, binning[name]!))
      .reduce(mergeColumnStats, emptyColumnStats());
  }
  const names = Object.keys(columns);
  const result = buildDriftReport({
    features: names,
    predictionColumn: 'prediction',
    current: cur,
    currentRows: currentRows ?? Math.max(0, ...names.map((n) => columns[n]!.cur.length)),
    reference: {
      id: 'test',
      source: 'memory',
      rows: Math.max(...names.map((n) => columns[n]!.ref.length)),
      stats: ref,
      binning,
      options,
    },
  });
  expectOnlyFiniteNumbers(result);
  expect(renderDriftReport(result)).toContain('</html>');
  return result;
}

/** JSON turns NaN and Infinity into null: a report must never hold either. */
function expectOnlyFiniteNumbers(value: unknown, path = 'report'): void {
  if (typeof value === 'number') expect(Number.isFinite(value), path).toBe(true);
  else if (Array.isArray(value)) value.forEach((v, i) => expectOnlyFiniteNumbers(v, `${path}[${i}]`));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) expectOnlyFiniteNumbers(v, `${path}.${k}`);
}

let r = random(42);
const normal = (n: number, mean = 0, sd = 1) => Array.from({ length: n }, () => mean + sd * r.normal());
// A fixed stream per test: each test's data is the same whether it runs alone or with the others.
beforeEach((context) => {
  r = random([...context.task.name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7));
});

describe('edge cases', () => {
  it('a constant column: one bin of its own, no drift when it stays, drift when it moves', () => {
    const constant = new Array<number>(5000).fill(100);
    const result = report({
      same: { ref: constant, cur: new Array<number>(3000).fill(100) },
      moved: { ref: constant, cur: new Array<number>(3000).fill(101) },
    });
    const [same, moved] = result.features;
    expect(binningOf(constant).edges).toEqual([100, nextUp(100)]);
    expect(same!.test).toMatchObject({ name: 'jensenshannon', value: 0, drifted: false });
    expect(moved!.test).toMatchObject({ name: 'jensenshannon', drifted: true });
    expect(moved!.unseen).toEqual({ rows: 3000, values: [101] });
  });

  it('an all-NaN current column: not tested, flagged by its missing rate, left out of the drift share', () => {
    const result = report({
      a: { ref: normal(2000), cur: normal(2000) },
      gone: { ref: normal(2000), cur: new Array<number>(2000).fill(NaN) },
    });
    const gone = result.features[1]!;
    expect(gone.status).toBe('no_current_values');
    expect(gone.test).toBeNull();
    expect(gone.missing).toMatchObject({ reference: 0, current: 1, alert: true });
    expect(result.dataset).toMatchObject({ features: 2, tested: 1 });
    expect(result.verdict).toBe('no_drift');
  });

  it('an all-NaN reference column: not tested', () => {
    const result = report({ a: { ref: new Array<number>(100).fill(NaN), cur: normal(100) } });
    expect(result.features[0]!.status).toBe('no_reference_values');
    expect(result.verdict).toBe('no_data');
  });

  it('empty current data: verdict no_data, both reports still written', () => {
    const result = report({ a: { ref: normal(2000), cur: [] } }, undefined, 0);
    expect(result.verdict).toBe('no_data');
    expect(result.reason).toContain('no rows');
    expect(renderDriftReport(result)).toContain('Nothing to compare');
  });

  it('one current row: every test still has a value', () => {
    const result = report({ a: { ref: normal(500), cur: [0.1] }, b: { ref: normal(5000), cur: [3] } });
    const [a, b] = result.features;
    expect(a!.test!.name).toBe('ks');
    expect(a!.metrics.ks!.method).toBe('exact');
    expect(a!.test!.value).toBeGreaterThan(0.05); // one central value says nothing
    expect(b!.test!.name).toBe('wasserstein');
    expect(b!.test!.value).toBeGreaterThan(2); // |3 - mean| in reference stds, within the grid's bound
  });

  it('infinite values are counted and flagged, never folded into a statistic', () => {
    const cur = [...normal(1990), ...new Array<number>(10).fill(Infinity)];
    const result = report({ a: { ref: normal(2000), cur } });
    const a = result.features[0]!;
    expect(a.infinite).toEqual({ reference: 0, current: 10, alert: true });
    expect(a.current.count).toBe(1990);
    expect(a.current.mean).not.toBeNull();
    expect(Math.abs(a.current.mean!)).toBeLessThan(0.2);
    expect(a.drifted).toBe(false);
    expect(renderDriftReport(result)).toContain('Infinite values');
  });

  it('huge outliers: finite statistics, and a robust grid when the reference has them', () => {
    const ref = [...normal(4990), 1e300, -1e300, 1e200, 5e12, 1e15, 2e15, 3e15, 4e15, 5e15, 6e15];
    const cur = [...normal(4995), 1e308, -1e308, 1e250, 7e12, 8e12];
    const result = report({ a: { ref, cur } });
    const a = result.features[0]!;
    // The grid is centred and scaled on the bulk (median, IQR), not on the outliers' huge std.
    expect(binningOf(ref).scale).toBeGreaterThan(0.5);
    expect(binningOf(ref).scale).toBeLessThan(2);
    expect(a.current.quantiles!.p50).toBeCloseTo(0, 1);
    expect(a.metrics.ks!.statistic).toBeLessThan(0.05);
    expect(a.metrics.psi!).toBeLessThan(0.05);
  });

  it('a category the reference never had: counted, listed, and part of chi-square', () => {
    const ref = Array.from({ length: 600 }, (_, i) => i % 3);
    const cur = Array.from({ length: 600 }, (_, i) => (i % 10 === 0 ? 7 : i % 3));
    const result = report({ mode: { ref, cur } });
    const mode = result.features[0]!;
    expect(mode.categorical).toBe(true);
    expect(mode.test!.name).toBe('chisquare');
    expect(mode.unseen).toEqual({ rows: 60, values: [7] });
    expect(mode.metrics.chiSquare!.dof).toBe(3);
    expect(mode.drifted).toBe(true);
  });

  it('reference and current totals orders of magnitude apart: shares, not counts, are compared', () => {
    const result = report({
      a: { ref: normal(200), cur: normal(200_000) },
      b: { ref: normal(200_000), cur: normal(2000) },
    });
    const [a, b] = result.features;
    expect(a!.test!.name).toBe('ks');
    expect(a!.metrics.ks!.method).toBe('asymptotic');
    expect(a!.drifted).toBe(false);
    expect(b!.test!.name).toBe('wasserstein');
    expect(b!.drifted).toBe(false);
    expect(a!.metrics.psi!).toBeLessThan(0.1);
  });

  it('a million current rows with a trivial shift: the p-value flags it, the default distance does not', () => {
    const ref = normal(100_000);
    const cur = normal(1_000_000, 0.03);
    const result = report({ a: { ref, cur } });
    const a = result.features[0]!;
    // Every p-value is tiny at this size, however small the shift...
    expect(a.metrics.ks!.pValue).toBeLessThan(1e-4);
    // ...so a large reference is judged by a distance in reference standard deviations, as Evidently does.
    expect(a.test!.name).toBe('wasserstein');
    expect(a.test!.value).toBeGreaterThan(0.02);
    expect(a.test!.value).toBeLessThan(0.05);
    expect(a.drifted).toBe(false);
    expect(result.verdict).toBe('no_drift');
  });

  it('per-feature configuration picks the test and threshold; the dataset share is configurable', () => {
    const result = report(
      { a: { ref: normal(5000), cur: normal(5000, 0.05) }, b: { ref: normal(5000), cur: normal(5000) } },
      { driftShare: 0.3, columns: { a: { test: 'ks', threshold: 0.01 }, b: { test: 'psi' } } },
    );
    const [a, b] = result.features;
    expect(a!.test).toMatchObject({ name: 'ks', threshold: 0.01, chosenBy: 'configured' });
    expect(b!.test).toMatchObject({ name: 'psi', threshold: 0.1, chosenBy: 'configured' });
    expect(result.dataset.driftShare).toBe(0.3);
  });
});

describe('without a reference', () => {
  it('still produces a report, with verdict no_reference and the reason', () => {
    const result = buildDriftReport({
      features: ['a'],
      predictionColumn: 'prediction',
      current: { a: sketched([1, 2], binningOf([1, 2])) },
      currentRows: 2,
      reference: undefined,
      noReferenceReason: 'the model has no reference profile (run batch-score profile)',
    });
    expect(result).toMatchObject({ verdict: 'no_reference', features: [], reference: null });
    expect(renderDriftReport(result)).toContain('No reference to compare with');
  });
});
