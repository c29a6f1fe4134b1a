import { summarize, type ColumnStats, type ColumnSummary, type StatsByColumn } from './stats.js';

/**
 * A first drift summary: each feature's moments against the model's reference profile. The verdict is a
 * plain heuristic (standardized mean shift and missing-rate change), documented in docs/drift.md, until the
 * full statistical report lands.
 */
export interface FeatureDrift {
  column: string;
  reference: ColumnSummary;
  current: ColumnSummary;
  /** (current mean - reference mean) / reference std; null when either side has no spread or no values. */
  meanShiftStd: number | null;
  stdRatio: number | null;
  missingRateDelta: number;
  drifted: boolean;
}

export interface DriftSummary {
  schemaVersion: 1;
  verdict: 'no_drift' | 'drift' | 'no_reference';
  driftedFeatures: string[];
  shareDrifted: number;
  thresholds: { meanShiftStd: number; missingRateDelta: number; shareDrifted: number };
  features: FeatureDrift[];
  prediction: ColumnSummary | null;
}

export const DEFAULT_DRIFT_THRESHOLDS = {
  meanShiftStd: 0.5,
  missingRateDelta: 0.05,
  shareDrifted: 0.5,
} as const;

export function compareToReference(
  features: readonly string[],
  current: StatsByColumn,
  reference: StatsByColumn | undefined,
  predictionColumn: string,
  thresholds = DEFAULT_DRIFT_THRESHOLDS,
): DriftSummary {
  const predictionStats = current[predictionColumn];
  const prediction = predictionStats ? summarize(predictionStats) : null;
  if (!reference) {
    return {
      schemaVersion: 1,
      verdict: 'no_reference',
      driftedFeatures: [],
      shareDrifted: 0,
      thresholds: { ...thresholds },
      features: [],
      prediction,
    };
  }
  const rows = features.map((column) => featureDrift(column, reference[column], current[column], thresholds));
  const drifted = rows.filter((r) => r.drifted).map((r) => r.column);
  const share = features.length > 0 ? drifted.length / features.length : 0;
  return {
    schemaVersion: 1,
    verdict: share >= thresholds.shareDrifted ? 'drift' : 'no_drift',
    driftedFeatures: drifted,
    shareDrifted: share,
    thresholds: { ...thresholds },
    features: rows,
    prediction,
  };
}

function featureDrift(
  column: string,
  referenceStats: ColumnStats | undefined,
  currentStats: ColumnStats | undefined,
  thresholds: typeof DEFAULT_DRIFT_THRESHOLDS,
): FeatureDrift {
  const empty: ColumnStats = {
    count: 0,
    nulls: 0,
    nans: 0,
    infinities: 0,
    mean: 0,
    m2: 0,
    min: null,
    max: null,
  };
  const reference = summarize(referenceStats ?? empty);
  const current = summarize(currentStats ?? empty);
  const spread = reference.std;
  const meanShiftStd =
    reference.mean !== null && current.mean !== null && spread !== null && spread > 0
      ? (current.mean - reference.mean) / spread
      : null;
  const stdRatio = spread !== null && spread > 0 && current.std !== null ? current.std / spread : null;
  const missingRateDelta = current.missingRate - reference.missingRate;
  const drifted =
    (meanShiftStd !== null && Math.abs(meanShiftStd) > thresholds.meanShiftStd) ||
    Math.abs(missingRateDelta) > thresholds.missingRateDelta;
  return { column, reference, current, meanShiftStd, stdRatio, missingRateDelta, drifted };
}
