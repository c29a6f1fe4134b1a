import { buildDriftReport, type CompareInput } from './drift/compare.js';
import type { DriftReport, DriftVerdict } from './drift/report.js';
import type { TestName } from './drift/policy.js';

export type { DriftReport, DriftVerdict } from './drift/report.js';
export type { Reference } from './drift/compare.js';
export { DEFAULT_DRIFT_OPTIONS, type DriftOptions } from './drift/policy.js';

/**
 * The drift verdict in a few hundred bytes: what the workflow returns and the CLI prints. The full report
 * (every feature, every metric, the charts) is <output>/drift/report.json and report.html; docs/drift.md.
 */
export interface DriftSummary {
  schemaVersion: 2;
  verdict: DriftVerdict;
  /** Why the verdict is no_reference or no_data; null otherwise. */
  reason: string | null;
  shareDrifted: number;
  driftShare: number;
  features: number;
  tested: number;
  /** Drifted features, most drifted first. */
  driftedFeatures: string[];
  /** The highest drift scores, drifted or not, most drifted first (at most TOP_FEATURES). */
  top: DriftLine[];
  prediction: DriftLine | null;
  /** Features whose missing rate changed by more than the threshold. */
  missingRateAlerts: string[];
  /** Features with infinite values the reference did not have. */
  infiniteAlerts: string[];
  /** The HTML report next to report.json; null when it was not written. */
  htmlReport: string | null;
}

export interface DriftLine {
  column: string;
  test: TestName;
  value: number;
  threshold: number;
  drifted: boolean;
  score: number;
}

const TOP_FEATURES = 5;

/** The full report for a job; see domain/drift/compare.ts. */
export function compareToReference(input: CompareInput): DriftReport {
  return buildDriftReport(input);
}

export function summarizeReport(report: DriftReport, htmlReport: string | null): DriftSummary {
  const ranked = [...report.features].filter((f) => f.test).sort((a, b) => b.score - a.score);
  const line = (f: DriftReport['features'][number]): DriftLine => ({
    column: f.column,
    test: f.test!.name,
    value: f.test!.value,
    threshold: f.test!.threshold,
    drifted: f.drifted,
    score: f.score,
  });
  return {
    schemaVersion: 2,
    verdict: report.verdict,
    reason: report.reason,
    shareDrifted: report.dataset.shareDrifted,
    driftShare: report.dataset.driftShare,
    features: report.dataset.features,
    tested: report.dataset.tested,
    driftedFeatures: ranked.filter((f) => f.drifted).map((f) => f.column),
    top: ranked.slice(0, TOP_FEATURES).map(line),
    prediction: report.prediction?.test ? line(report.prediction) : null,
    missingRateAlerts: report.features.filter((f) => f.missing.alert).map((f) => f.column),
    infiniteAlerts: report.features.filter((f) => f.infinite.alert).map((f) => f.column),
    htmlReport,
  };
}
