import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetStats, profileDataset } from '../../activities/profile.js';
import { buildDriftReport, type Reference } from '../../domain/drift/compare.js';
import type { DriftReport } from '../../domain/drift/report.js';
import { ModelSession } from '../../inference/model-session.js';
import { parseReferenceProfile, referenceFor } from '../../inference/reference-profile.js';
import { storageFor } from '../../storage/index.js';
import { AI4I_MODEL, DATASETS, ROOT } from '../helpers/paths.js';

/**
 * The statistics on the sample datasets, computed the way shards compute them (same sketches, same
 * binning) without Temporal, against scipy on the same rows (test/fixtures/drift/vectors.json, "real").
 */
interface RealCase {
  name: string;
  reference: string[];
  current: string[];
  columns: Record<string, { ks: number; ksPValue: number; wassersteinNormed: number; distinct: number }>;
}
const real = (
  JSON.parse(readFileSync(path.join(ROOT, 'test', 'fixtures', 'drift', 'vectors.json'), 'utf8')) as {
    real: RealCase[];
  }
).real;

const CMAPSS_MODEL = path.join(DATASETS, 'cmapss', 'model');
const SENSORS = [
  'sensor_2',
  'sensor_3',
  'sensor_4',
  'sensor_7',
  'sensor_8',
  'sensor_9',
  'sensor_11',
  'sensor_12',
  'sensor_13',
  'sensor_14',
  'sensor_15',
  'sensor_17',
  'sensor_20',
  'sensor_21',
];

async function compare(model: ModelSession, reference: Reference, current: string): Promise<DriftReport> {
  const { rows, stats } = await datasetStats(storageFor(current), current, model, {
    id: reference.id,
    columns: reference.binning,
  });
  return buildDriftReport({
    features: model.features,
    predictionColumn: model.contract.task === 'binary_classification' ? 'probability' : 'prediction',
    current: stats,
    currentRows: rows,
    reference,
  });
}

function expectScipyAgreement(report: DriftReport, expected: RealCase): void {
  for (const f of report.features) {
    const scipy = expected.columns[f.column]!;
    const ks = f.metrics.ks!;
    expect(ks.statistic, f.column).toBeLessThanOrEqual(scipy.ks + 1e-12);
    expect(ks.statisticUpperBound, f.column).toBeGreaterThanOrEqual(scipy.ks - 1e-12);
    const w = f.metrics.wasserstein!;
    // Within the stated worst-case bound, and in practice far inside it.
    expect(Math.abs(w.normed - scipy.wassersteinNormed), f.column).toBeLessThanOrEqual(
      0.25 * w.normedBound + 1e-9,
    );
    if (f.distinctValues !== null) expect(f.distinctValues).toBe(scipy.distinct);
  }
}

describe('C-MAPSS FD001: train (the model reference) vs test', () => {
  let model: ModelSession;
  let report: DriftReport;

  beforeAll(async () => {
    model = await ModelSession.create(storageFor(CMAPSS_MODEL), CMAPSS_MODEL);
    const profile = parseReferenceProfile(
      'reference_profile.json',
      readFileSync(path.join(CMAPSS_MODEL, 'reference_profile.json'), 'utf8'),
    );
    const side = referenceFor(profile);
    if (!('reference' in side)) throw new Error(side.reason);
    report = await compare(model, side.reference, path.join(DATASETS, 'cmapss', 'parquet', 'test'));
  });
  afterAll(() => model?.dispose());

  it('agrees with scipy on every feature (KS D bracketed, Wasserstein within its bound)', () => {
    expectScipyAgreement(report, real[0]!);
  });

  it('finds what the data says: every informative sensor moved, the operating settings did not', () => {
    const drifted = report.features.filter((f) => f.drifted).map((f) => f.column);
    expect(drifted.sort()).toEqual([...SENSORS].sort());
    expect(report.verdict).toBe('drift');
    expect(
      report.features.every(
        (f) => f.test!.name === (f.distinctValues === 1 ? 'jensenshannon' : 'wasserstein'),
      ),
    ).toBe(true);
    // The test set stops engines before failure: the predicted remaining life is longer.
    expect(report.prediction!.drifted).toBe(true);
    expect(report.prediction!.current.mean!).toBeGreaterThan(report.prediction!.reference.mean!);
  });
});

describe('AI4I 2020: first half vs second half by UDI', () => {
  let model: ModelSession;
  let report: DriftReport;

  beforeAll(async () => {
    model = await ModelSession.create(storageFor(AI4I_MODEL), AI4I_MODEL);
    const parquet = path.join(DATASETS, 'ai4i2020', 'parquet');
    // 4 files of 2,500 rows in UDI order: the first two are UDI 1-5000.
    const firstHalf = path.join(parquet, 'part-00{0,1}.parquet');
    const profile = await profileDataset(storageFor(firstHalf), firstHalf, model);
    const side = referenceFor(profile);
    if (!('reference' in side)) throw new Error(side.reason);
    report = await compare(model, side.reference, path.join(parquet, 'part-00{2,3}.parquet'));
  });
  afterAll(() => model?.dispose());

  it('agrees with scipy on every feature', () => {
    expectScipyAgreement(report, real[1]!);
  });

  it('finds the temperatures drifted over time and the machine settings did not', () => {
    const drifted = report.features.filter((f) => f.drifted).map((f) => f.column);
    expect(drifted.sort()).toEqual(['Air temperature [K]', 'Process temperature [K]']);
    // 2 of 5 features: below the 50% share, so no dataset drift, and the report says which two moved.
    expect(report.verdict).toBe('no_drift');
    expect(report.dataset.shareDrifted).toBeCloseTo(0.4, 12);
  });
});
