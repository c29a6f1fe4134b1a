import type { ColumnSummary } from '../stats.js';
import type { KsResult, WassersteinResult, ChiSquareResult, ZTestResult } from './metrics.js';
import type { DriftOptions, TestName } from './policy.js';

/**
 * The drift report: what <output>/drift/report.json holds (schema documented in docs/drift.md) and what
 * report.html is rendered from. Versioned by `schemaVersion`; fields are only added within a version.
 */
export const DRIFT_REPORT_SCHEMA_VERSION = 2 as const;

export type DriftVerdict = 'drift' | 'no_drift' | 'no_reference' | 'no_data';

export interface DriftReport {
  schema: 'batch-score/drift-report';
  schemaVersion: typeof DRIFT_REPORT_SCHEMA_VERSION;
  /** The job this report belongs to (set when a scoring job writes it). */
  job?: {
    id: string;
    status: string;
    model: { name: string; version: string; sha256: string };
    generatedAt: string;
  };
  verdict: DriftVerdict;
  /** Why the verdict is no_reference or no_data; null otherwise. */
  reason: string | null;
  reference: { source: string; rows: number; profileId: string } | null;
  current: { rows: number };
  dataset: {
    features: number;
    /** Features with a test result (some values on both sides). */
    tested: number;
    drifted: number;
    /** drifted / tested. */
    shareDrifted: number;
    /** The verdict is drift when shareDrifted reaches this. */
    driftShare: number;
  };
  /** Every threshold and per-column choice the report used. */
  options: DriftOptions;
  /** In the model's feature order. */
  features: ColumnDrift[];
  /** The model's output (the positive-class probability for binary classifiers). */
  prediction: ColumnDrift | null;
  /** Plain-language caveats that apply to this report (approximations used). */
  notes: string[];
}

export type ColumnStatus =
  /** Tested. */
  | 'ok'
  /** The reference has no finite values of the column. */
  | 'no_reference_values'
  /** The current data has no finite values of the column (all missing or infinite, or no rows). */
  | 'no_current_values'
  /** No usable distribution for the current data (shards made on another reference profile). */
  | 'no_sketch';

export interface TestResult {
  name: TestName;
  kind: 'p_value' | 'distance';
  value: number;
  threshold: number;
  drifted: boolean;
  chosenBy: 'default' | 'configured';
}

export interface ColumnDrift {
  column: string;
  role: 'feature' | 'prediction';
  status: ColumnStatus;
  /** Whether the column is treated as categorical (at most 20 distinct reference values). */
  categorical: boolean;
  /** Distinct values in reference and current together; null when more than can be counted (> 20). */
  distinctValues: number | null;
  test: TestResult | null;
  drifted: boolean;
  /** How far past its threshold (policy.ts driftScore): >= 1 drifted; 0 when not tested. */
  score: number;
  reference: ColumnProfile;
  current: ColumnProfile;
  metrics: {
    ks: KsResult | null;
    wasserstein: (WassersteinResult & { normed: number; normedBound: number }) | null;
    psi: number | null;
    jensenShannon: number | null;
    chiSquare: ChiSquareResult | null;
    zTest: ZTestResult | null;
    /** Whether ks and wasserstein came from exact value counts (true) or from the grid sketches. */
    exact: boolean;
  };
  missing: { reference: number; current: number; delta: number; threshold: number; alert: boolean };
  infinite: { reference: number; current: number; alert: boolean };
  /** Values the reference never had (categorical columns): how many rows, and the smallest such values. */
  unseen: { rows: number; values: number[] } | null;
  chart: Chart | null;
}

/** A column's moments (as summarize() gives them) plus sketch quantiles. */
export interface ColumnProfile extends ColumnSummary {
  /** From the sketch, each within `quantileBound` of the true quantile (the bucket's width). */
  quantiles: { p05: number; p25: number; p50: number; p75: number; p95: number } | null;
  quantileBound: number | null;
}

/** What the report's small chart draws: shares of each side's finite values. */
export type Chart =
  | {
      kind: 'histogram';
      /** Equal-width display bins over the central 99% of both sides together. */
      edges: number[];
      reference: number[];
      current: number[];
      /** Shares outside the drawn range. */
      below: { reference: number; current: number };
      above: { reference: number; current: number };
    }
  | {
      kind: 'categories';
      labels: string[];
      reference: number[];
      current: number[];
    };
