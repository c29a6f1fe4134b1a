/**
 * Which test decides whether a column drifted, and at what threshold. The defaults are Evidently's
 * documented defaults for its data drift preset:
 *
 * - reference of at most 1,000 values: two-sample Kolmogorov-Smirnov for numeric columns with more than 5
 *   distinct values, chi-square for 3 to 5 distinct values, a two-proportion z-test for 1 or 2; drift when
 *   p < 0.05 (the "0.95 confidence level");
 * - larger references: Wasserstein distance normalised by the reference standard deviation for numeric
 *   columns with more than 5 distinct values, Jensen-Shannon distance otherwise; drift when >= 0.1.
 *
 * Distinct values are counted over reference and current together, as Evidently does. Distances rather
 * than p-values for large data is what keeps a million-row night from flagging every feature for a shift
 * nobody would act on: a p-value only says a difference exists, and with enough rows one always does.
 */
export type TestName = 'ks' | 'chisquare' | 'z' | 'wasserstein' | 'jensenshannon' | 'psi';

export const TEST_KIND: Record<TestName, 'p_value' | 'distance'> = {
  ks: 'p_value',
  chisquare: 'p_value',
  z: 'p_value',
  wasserstein: 'distance',
  jensenshannon: 'distance',
  psi: 'distance',
};

/** Default thresholds: p-value tests drift below it, distances at or above it. */
export const DEFAULT_TEST_THRESHOLDS: Record<TestName, number> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
};

export interface ColumnTestOption {
  test?: TestName;
  threshold?: number;
}

export interface DriftOptions {
  /** Dataset drift when the share of drifted features reaches this. */
  driftShare: number;
  /** A feature's missing-rate change larger than this (absolute) is an alert. */
  missingRateDelta: number;
  /** References with at most this many values use p-value tests by default, larger ones distances. */
  smallReferenceRows: number;
  /** Per-column choices; a column not listed uses the defaults. */
  columns: Record<string, ColumnTestOption>;
}

export const DEFAULT_DRIFT_OPTIONS: DriftOptions = {
  driftShare: 0.5,
  missingRateDelta: 0.05,
  smallReferenceRows: 1000,
  columns: {},
};

/** Options with defaults filled in, so a report records every threshold it used. */
export function resolveOptions(partial: Partial<DriftOptions> | undefined): DriftOptions {
  return {
    driftShare: partial?.driftShare ?? DEFAULT_DRIFT_OPTIONS.driftShare,
    missingRateDelta: partial?.missingRateDelta ?? DEFAULT_DRIFT_OPTIONS.missingRateDelta,
    smallReferenceRows: partial?.smallReferenceRows ?? DEFAULT_DRIFT_OPTIONS.smallReferenceRows,
    columns: { ...partial?.columns },
  };
}

export interface TestChoice {
  name: TestName;
  threshold: number;
  chosenBy: 'default' | 'configured';
}

/** Evidently's default choice for a numeric column, from the reference's size and the distinct values. */
export function defaultTest(
  referenceValues: number,
  distinctValues: number,
  options: DriftOptions,
): TestName {
  if (referenceValues <= options.smallReferenceRows) {
    if (distinctValues > 5) return 'ks';
    return distinctValues > 2 ? 'chisquare' : 'z';
  }
  return distinctValues > 5 ? 'wasserstein' : 'jensenshannon';
}

export function chooseTest(
  column: string,
  referenceValues: number,
  distinctValues: number,
  options: DriftOptions,
): TestChoice {
  const configured = options.columns[column];
  const name = configured?.test ?? defaultTest(referenceValues, distinctValues, options);
  return {
    name,
    threshold: configured?.threshold ?? DEFAULT_TEST_THRESHOLDS[name],
    chosenBy:
      configured?.test !== undefined || configured?.threshold !== undefined ? 'configured' : 'default',
  };
}

/** Whether a test's value means drift: p below the threshold, or a distance at or above it. */
export function isDrift(name: TestName, value: number, threshold: number): boolean {
  return TEST_KIND[name] === 'p_value' ? value < threshold : value >= threshold;
}

/**
 * How far past its threshold a value is, comparable across tests: value / threshold for distances,
 * ln p / ln threshold for p-values. 1 is the threshold; at 1 or more the column drifted (p < threshold
 * exactly at 1 aside). The table in the report is sorted by it.
 */
export function driftScore(name: TestName, value: number, threshold: number): number {
  if (TEST_KIND[name] === 'distance')
    return threshold > 0 ? value / threshold : value > 0 ? Number.MAX_VALUE : 0;
  return Math.log(Math.max(value, 1e-300)) / Math.log(threshold);
}
