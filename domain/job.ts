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

/** Several small consecutive shards scored by one activity, one after another. */
export interface ScoreShardsInput {
  jobId: string;
  shards: Shard[];
  model: ModelRef;
  output: string;
  idColumns: string[];
}

/** Counts and merged statistics of a batch; the permanently failed shards are already in errors/. */
export interface ScoreShardsResult {
  shardsDone: number;
  rowsScored: number;
  rowsFailed: number;
  failures: FailedShard[];
  stats: StatsByColumn;
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
  status: Exclude<JobStatus, 'failed'>;
}

export interface FinalizeJobResult {
  manifestUri: string;
  driftReportUri: string;
  drift: DriftSummary;
  rowsIn: number;
  rowsScored: number;
  rowsFailed: number;
  /** Rows of shards neither scored nor failed: only a cancelled job has them. */
  rowsNotScored: number;
  parts: number;
}

/** completed: every row scored. partial: some shards failed, within the job's failure limit. */
export type JobStatus = 'completed' | 'partial' | 'cancelled' | 'failed';

/** A shard that failed for good: recorded in <output>/errors/<shardId>.json. */
export interface FailedShard {
  shardId: string;
  fileUri: string;
  rowGroupStart: number;
  rowGroupEnd: number;
  rows: number;
  errorType: string;
  message: string;
}

export interface RecordShardFailureInput {
  jobId: string;
  output: string;
  failure: FailedShard;
}

/** One partition of the shard plan, scored by a child workflow. */
export interface ScorePartitionInput {
  jobId: string;
  output: string;
  model: ModelRef;
  idColumns: string[];
  /** Shard indexes [start, end) of the plan. */
  start: number;
  end: number;
  /** This partition's share of the job's concurrency; 0 holds new shards back until the job gives it more. */
  concurrency: number;
  /** Start paused: the job was paused when this partition began. */
  paused: boolean;
  /** Consecutive shards of at most this many rows in all go to one scoring activity; 0 scores each alone. */
  batchRows?: number;
  /** Report counts to the job at most this often (seconds); 0 reports nothing (the job's history is large). */
  progressReportSeconds: number;
  /** Failed shards this partition may see before it stops and reports the job's limit exceeded. */
  failureBudget: number;
  heartbeatTimeoutSeconds: number;
}

export interface ScorePartitionResult {
  shardsDone: number;
  shardsFailed: number;
  rowsScored: number;
  rowsFailed: number;
  /** The first failures, for the job summary; all of them are in <output>/errors/. */
  failures: FailedShard[];
  budgetExceeded: boolean;
  stats: StatsByColumn;
  history: HistoryFootprint;
}

/** How close a workflow came to Temporal's history limits (51,200 events, 50 MB). */
export interface HistoryFootprint {
  events: number;
  bytes: number;
}

/** The workflow's result: what `batch-score score --json` prints. */
export interface JobSummary {
  jobId: string;
  status: JobStatus;
  rowsIn: number;
  rowsScored: number;
  rowsFailed: number;
  shards: { planned: number; done: number; failed: number };
  /** The first failed shards; every one is listed in the manifest and <output>/errors/. */
  failedShards: FailedShard[];
  model: ModelRef;
  output: { root: string; predictions: string; manifest: string; driftReport: string };
  drift: DriftSummary;
  /** The largest history any workflow of the job reached. */
  largestHistory: HistoryFootprint;
}

/** Live counts of one partition. */
export interface PartitionProgress {
  shardsDone: number;
  shardsFailed: number;
  shardsRunning: number;
  rowsScored: number;
}

/** What a person can change while a job runs. */
export interface JobControl {
  paused: boolean;
  /** Why it was paused, as given to `pause`. */
  pauseReason?: string;
  /** Most shards scored at once across all workers. */
  concurrency: number;
}

export interface JobProgress extends JobControl {
  phase: 'planning' | 'scoring' | 'finalizing' | 'done' | 'cancelling' | 'cancelled' | 'failed';
  shardsPlanned: number;
  shardsDone: number;
  shardsFailed: number;
  rowsPlanned: number;
  rowsScored: number;
  /** Shards being scored right now (as of the partitions' last reports). */
  shardsRunning: number;
  /** When scoring began (ISO time), once it has. */
  scoringStartedAt?: string;
  /** When the job ended (done, cancelled or failed); rates are measured up to it. */
  finishedAt?: string;
  /** Why a failed job failed: the error's type and message. */
  failure?: { type: string; message: string };
  /** Rows scored per second since scoring began; filled in by the client from the live counts. */
  rowsPerSecond?: number;
  /** Seconds left at that rate; null until there is a rate. */
  etaSeconds?: number | null;
}

const ENDED = new Set<JobProgress['phase']>(['done', 'cancelled', 'failed']);

/**
 * Rate and ETA from counts and the time scoring began. A job that ended keeps the rate it had at its end;
 * a paused job has no ETA (nothing moves until someone resumes it).
 */
export function withRate(progress: JobProgress, nowMs: number): JobProgress {
  const started = progress.scoringStartedAt ? Date.parse(progress.scoringStartedAt) : NaN;
  const until = progress.finishedAt ? Date.parse(progress.finishedAt) : nowMs;
  const seconds = (until - started) / 1000;
  const rowsPerSecond = seconds > 0 ? progress.rowsScored / seconds : 0;
  const remaining = progress.rowsPlanned - progress.rowsScored;
  const etaSeconds = ENDED.has(progress.phase)
    ? 0
    : progress.paused || rowsPerSecond <= 0
      ? null
      : remaining / rowsPerSecond;
  return { ...progress, rowsPerSecond, etaSeconds };
}

/** The raw workflow input: validated inside the workflow so a bad start from the Web UI fails readably. */
export type JobSpecLike = Record<string, unknown>;
