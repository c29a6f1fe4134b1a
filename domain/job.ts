import type { Shard } from './shard-plan.js';
import type { StatsByColumn } from './stats.js';
import type { DriftSummary } from './drift-summary.js';

/** Identity of the model a job scores with; the checksum pins it for the whole job. */
export interface ModelRef {
  folder: string;
  name: string;
  version: string;
  sha256: string;
}

export interface PlanJobInput {
  jobId: string;
  input: string;
  model: string;
  output: string;
  idColumns?: string[];
  shardRows: number;
}

/** What planning returns to the workflow: counts and URIs, never the shard list itself. */
export interface PlanJobResult {
  planUri: string;
  files: number;
  shards: number;
  rows: number;
  model: ModelRef;
  idColumns: string[];
  features: string[];
}

export interface LoadShardsInput {
  output: string;
  start: number;
  count: number;
}

export interface ScoreShardInput {
  jobId: string;
  shard: Shard;
  model: ModelRef;
  output: string;
  idColumns: string[];
}

export interface ScoreShardResult {
  shardId: string;
  rows: number;
  partUri: string;
  partBytes: number;
  partSha256: string;
  /** Statistics of the features and of the prediction, on this shard's rows. */
  stats: StatsByColumn;
  /** True when the part already existed from an earlier attempt or run and was not scored again. */
  reused: boolean;
  millis: { read: number; infer: number; write: number; total: number };
}

export interface FinalizeJobInput {
  jobId: string;
  output: string;
  planUri: string;
  model: ModelRef;
  stats: StatsByColumn;
  startedAt: string;
}

export interface FinalizeJobResult {
  manifestUri: string;
  driftReportUri: string;
  drift: DriftSummary;
  rowsIn: number;
  rowsScored: number;
  parts: number;
}

export type JobStatus = 'completed' | 'failed';

/** The workflow's result: what `batch-score score --json` prints. */
export interface JobSummary {
  jobId: string;
  status: JobStatus;
  rowsIn: number;
  rowsScored: number;
  rowsFailed: number;
  shards: { planned: number; done: number; failed: number };
  model: ModelRef;
  output: { root: string; predictions: string; manifest: string; driftReport: string };
  drift: DriftSummary;
}

export interface JobProgress {
  phase: 'planning' | 'scoring' | 'finalizing' | 'done';
  shardsPlanned: number;
  shardsDone: number;
  shardsFailed: number;
  rowsPlanned: number;
  rowsScored: number;
}

/** The raw workflow input: validated inside the workflow so a bad start from the Web UI fails readably. */
export type JobSpecLike = Record<string, unknown>;
