import { emptyColumnStats, summarize, type ColumnStats, type StatsByColumn } from '../stats.js';
import type { ColumnBinning } from './binning.js';
import { histogramChart, categoryChart } from './chart.js';
import { exactValueCounts, GridDistribution } from './distribution.js';
import {
  chiSquareContingency,
  jensenShannon,
  ksFromCounts,
  ksFromSketches,
  psi,
  wassersteinFromCounts,
  wassersteinFromSketches,
  zTestProportions,
} from './metrics.js';
import { chooseTest, driftScore, isDrift, resolveOptions, TEST_KIND, type DriftOptions } from './policy.js';
import {
  DRIFT_REPORT_SCHEMA_VERSION,
  type ColumnDrift,
  type ColumnProfile,
  type DriftReport,
  type TestResult,
} from './report.js';
import type { ColumnSketch } from './sketch.js';

/** The reference side of a comparison: the profile's statistics, binning and drift options. */
export interface Reference {
  id: string;
  source: string;
  rows: number;
  stats: StatsByColumn;
  binning: Record<string, ColumnBinning>;
  options?: Partial<DriftOptions>;
}

export interface CompareInput {
  features: readonly string[];
  /** The column that stands for the model's output (binary classifiers: the probability). */
  predictionColumn: string;
  current: StatsByColumn;
  currentRows: number;
  /** Undefined: no usable reference; the report says so (verdict no_reference) with `noReferenceReason`. */
  reference: Reference | undefined;
  noReferenceReason?: string;
}

/**
 * Evidently's normed Wasserstein divides by the reference's population std, but never by less than 0.001
 * (a constant reference would otherwise turn any change into an infinite distance).
 */
const WASSERSTEIN_MIN_NORM = 0.001;

/** The whole drift report, from merged current statistics and the reference profile. Pure. */
export function buildDriftReport(input: CompareInput): DriftReport {
  const options = resolveOptions(input.reference?.options);
  const base = {
    schema: 'batch-score/drift-report' as const,
    schemaVersion: DRIFT_REPORT_SCHEMA_VERSION,
    current: { rows: input.currentRows },
    options,
  };
  const reference = input.reference;
  if (!reference) {
    return {
      ...base,
      verdict: 'no_reference',
      reason: input.noReferenceReason ?? 'the model has no reference profile (run batch-score profile)',
      reference: null,
      dataset: {
        features: input.features.length,
        tested: 0,
        drifted: 0,
        shareDrifted: 0,
        driftShare: options.driftShare,
      },
      features: [],
      prediction: null,
      notes: [],
    };
  }
  const compare = (column: string, role: ColumnDrift['role']) =>
    columnDrift(column, role, reference, input.current[column], options);
  const features = input.features.map((f) => compare(f, 'feature'));
  const predictionCovered = reference.binning[input.predictionColumn] !== undefined;
  const prediction = predictionCovered ? compare(input.predictionColumn, 'prediction') : null;
  const tested = features.filter((f) => f.test !== null).length;
  const drifted = features.filter((f) => f.drifted).length;
  const shareDrifted = tested > 0 ? drifted / tested : 0;
  let verdict: DriftReport['verdict'];
  let reason: string | null = null;
  if (input.currentRows === 0) {
    verdict = 'no_data';
    reason = 'the current data has no rows';
  } else if (tested === 0) {
    verdict = 'no_data';
    reason = noTestReason(features);
  } else verdict = shareDrifted >= options.driftShare ? 'drift' : 'no_drift';
  return {
    ...base,
    verdict,
    reason,
    reference: { source: reference.source, rows: reference.rows, profileId: reference.id },
    dataset: { features: features.length, tested, drifted, shareDrifted, driftShare: options.driftShare },
    features,
    prediction,
    notes: notesFor([...features, ...(prediction ? [prediction] : [])]),
  };
}

function noTestReason(features: ColumnDrift[]): string {
  if (features.length === 0) return 'the model has no features';
  if (features.some((f) => f.status === 'no_sketch'))
    return 'the shard statistics were made on another reference profile (or without one); score again with a new job id';
  return 'no feature has finite values on both sides';
}

function columnDrift(
  column: string,
  role: ColumnDrift['role'],
  reference: Reference,
  currentStats: ColumnStats | undefined,
  options: DriftOptions,
): ColumnDrift {
  const refStats = reference.stats[column] ?? emptyColumnStats();
  const curStats = currentStats ?? emptyColumnStats();
  const binning = reference.binning[column];
  const refSketch = usableSketch(refStats.sketch, reference.id);
  const curSketch = usableSketch(curStats.sketch, reference.id);
  const refDist =
    binning && refSketch ? new GridDistribution(binning, refSketch, refStats.min, refStats.max) : null;
  const curDist =
    binning && curSketch ? new GridDistribution(binning, curSketch, curStats.min, curStats.max) : null;
  const refProfile = profileOf(refStats, refDist);
  const curProfile = profileOf(curStats, curDist);
  const missingDelta = curProfile.missingRate - refProfile.missingRate;
  const refInfRate = refProfile.rows > 0 ? refProfile.infinities / refProfile.rows : 0;
  const curInfRate = curProfile.rows > 0 ? curProfile.infinities / curProfile.rows : 0;
  const out: ColumnDrift = {
    column,
    role,
    status: 'ok',
    categorical: binning?.categories !== undefined,
    distinctValues: null,
    test: null,
    drifted: false,
    score: 0,
    reference: refProfile,
    current: curProfile,
    metrics: {
      ks: null,
      wasserstein: null,
      psi: null,
      jensenShannon: null,
      chiSquare: null,
      zTest: null,
      exact: false,
    },
    missing: {
      reference: refProfile.missingRate,
      current: curProfile.missingRate,
      delta: missingDelta,
      threshold: options.missingRateDelta,
      alert: Math.abs(missingDelta) > options.missingRateDelta,
    },
    infinite: {
      reference: refProfile.infinities,
      current: curProfile.infinities,
      alert:
        (curProfile.infinities > 0 && refProfile.infinities === 0) ||
        curInfRate - refInfRate > options.missingRateDelta,
    },
    unseen: null,
    chart: null,
  };
  if (refStats.count === 0) return { ...out, status: 'no_reference_values' };
  if (curStats.count === 0) return { ...out, status: 'no_current_values' };
  if (!binning || !refSketch || !curSketch || !refDist || !curDist) return { ...out, status: 'no_sketch' };
  fillMetrics(out, binning, refSketch, curSketch, refDist, curDist, refStats, options);
  return out;
}

function usableSketch(sketch: ColumnSketch | null | undefined, id: string): ColumnSketch | null {
  return sketch && sketch.ref === id ? sketch : null;
}

function fillMetrics(
  out: ColumnDrift,
  binning: ColumnBinning,
  refSketch: ColumnSketch,
  curSketch: ColumnSketch,
  refDist: GridDistribution,
  curDist: GridDistribution,
  refStats: ColumnStats,
  options: DriftOptions,
): void {
  const refValues = exactValueCounts(refSketch, binning);
  const curValues = exactValueCounts(curSketch, binning);
  const norm = Math.max(Math.sqrt(refStats.m2 / refStats.count), WASSERSTEIN_MIN_NORM);

  if (refValues && curValues) {
    // Both sides fully known value by value: KS and Wasserstein exactly, on the union of the values.
    const keys = [...new Set([...refValues, ...curValues].map(([v]) => v))].sort((a, b) => a - b);
    const r = countsOn(keys, refValues);
    const c = countsOn(keys, curValues);
    out.distinctValues = keys.length;
    out.metrics.ks = ksFromCounts(r, c);
    const w = wassersteinFromCounts(keys, r, c);
    out.metrics.wasserstein = { ...w, normed: w.distance / norm, normedBound: 0 };
    out.metrics.exact = true;
    out.chart = categoryChart(keys, r, c);
  } else {
    out.metrics.ks = ksFromSketches(refDist, curDist);
    const w = wassersteinFromSketches(refDist, curDist);
    out.metrics.wasserstein = { ...w, normed: w.distance / norm, normedBound: w.bound / norm };
    out.chart = histogramChart(refDist, curDist, binning);
  }

  // PSI, Jensen-Shannon and chi-square on bins: value counts for categorical columns (Evidently's choice
  // for at most 20 reference values), the reference-quantile histogram otherwise.
  const categories = refSketch.categories && curSketch.categories ? categoryBins(refSketch, curSketch) : null;
  const bins = categories ?? { ref: refSketch.histogram, cur: curSketch.histogram };
  out.metrics.psi = psi(bins.ref, bins.cur);
  out.metrics.jensenShannon = jensenShannon(bins.ref, bins.cur);
  if (categories) {
    out.metrics.chiSquare = chiSquareContingency(categories.ref, categories.cur);
    out.unseen = {
      rows: curSketch.categories!.unseenTotal,
      values: curSketch.categories!.unseen.map(([v]) => v),
    };
  }

  const choice = chooseTest(out.column, refStats.count, out.distinctValues ?? Infinity, options);
  if (choice.name === 'chisquare' && !out.metrics.chiSquare)
    out.metrics.chiSquare = chiSquareContingency(bins.ref, bins.cur);
  if (choice.name === 'z' || (out.distinctValues !== null && out.distinctValues <= 2)) {
    // The share of the first bin (the smallest value, for a categorical column) on each side.
    const refFirst = bins.ref.findIndex((n, i) => n + bins.cur[i]! > 0);
    const first = Math.max(refFirst, 0);
    out.metrics.zTest = zTestProportions(bins.ref[first]!, sum(bins.ref), bins.cur[first]!, sum(bins.cur));
  }
  const value = testValue(choice.name, out);
  const test: TestResult = {
    name: choice.name,
    kind: TEST_KIND[choice.name],
    value,
    threshold: choice.threshold,
    drifted: isDrift(choice.name, value, choice.threshold),
    chosenBy: choice.chosenBy,
  };
  out.test = test;
  out.drifted = test.drifted;
  out.score = driftScore(choice.name, value, choice.threshold);
}

function testValue(name: TestResult['name'], out: ColumnDrift): number {
  const m = out.metrics;
  switch (name) {
    case 'ks':
      return m.ks!.pValue;
    case 'chisquare':
      return m.chiSquare!.pValue;
    case 'z':
      return m.zTest!.pValue;
    case 'wasserstein':
      return m.wasserstein!.normed;
    case 'jensenshannon':
      return m.jensenShannon!;
    case 'psi':
      return m.psi!;
  }
}

/** Counts of the reference categories, then of the current's unseen values, then of any it could not keep. */
function categoryBins(refSketch: ColumnSketch, curSketch: ColumnSketch): { ref: number[]; cur: number[] } {
  const r = refSketch.categories!;
  const c = curSketch.categories!;
  const refUnseen = new Map(r.unseen);
  const curUnseen = new Map(c.unseen);
  const unseenKeys = [...new Set([...refUnseen.keys(), ...curUnseen.keys()])].sort((a, b) => a - b);
  const overflow = (cats: typeof r) => cats.unseenTotal - cats.unseen.reduce((n, [, k]) => n + k, 0);
  return {
    ref: [...r.counts, ...unseenKeys.map((v) => refUnseen.get(v) ?? 0), overflow(r)],
    cur: [...c.counts, ...unseenKeys.map((v) => curUnseen.get(v) ?? 0), overflow(c)],
  };
}

function countsOn(keys: readonly number[], values: ReadonlyArray<readonly [number, number]>): number[] {
  const map = new Map(values);
  return keys.map((k) => map.get(k) ?? 0);
}

function profileOf(stats: ColumnStats, dist: GridDistribution | null): ColumnProfile {
  const s = summarize(stats);
  const withQuantiles = dist && dist.total > 0;
  return {
    ...s,
    quantiles: withQuantiles
      ? {
          p05: dist.quantile(0.05)!,
          p25: dist.quantile(0.25)!,
          p50: dist.quantile(0.5)!,
          p75: dist.quantile(0.75)!,
          p95: dist.quantile(0.95)!,
        }
      : null,
    quantileBound: withQuantiles
      ? Math.max(...[0.05, 0.25, 0.5, 0.75, 0.95].map((q) => dist.quantileBound(q)!))
      : null,
  };
}

function notesFor(columns: ColumnDrift[]): string[] {
  const notes: string[] = [];
  if (columns.some((c) => c.test && !c.metrics.exact))
    notes.push(
      'KS and Wasserstein come from quantile-grid sketches: KS D lies between the reported statistic and its upper bound, Wasserstein within the reported bound.',
    );
  if (columns.some((c) => c.metrics.psi !== null))
    notes.push('PSI counts an empty bin as a share of 0.0001, so it is never infinite.');
  return notes;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
