import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { PlanningActivities, ScoringActivities } from '../activities/index.js';
import { InvalidJobSpecError, NON_RETRYABLE_ERROR_TYPES } from '../domain/errors.js';
import type { JobProgress, JobSpecLike, JobSummary, ScoreShardInput } from '../domain/job.js';
import { parseJobSpec, type JobSpec } from '../domain/job-spec.js';
import { mergeStats, type StatsByColumn } from '../domain/stats.js';
import { progressQuery } from './messages.js';
import { scoringTaskQueue } from './task-queues.js';

/** Shards fetched from the stored plan per activity call: small enough for one payload. */
const SHARD_PAGE = 500;

/**
 * Scores a Parquet dataset: validate the spec, plan shards from the footers, score shards with a bounded
 * sliding window, then write the manifest and drift summary. Rows never pass through the workflow.
 */
export async function scoreJob(rawSpec: JobSpecLike): Promise<JobSummary> {
  const spec = validate(rawSpec);
  const { workflowId: jobId, taskQueue, startTime } = workflowInfo();
  const retry = {
    maximumAttempts: 5,
    initialInterval: '1s',
    nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
  };
  const planning = proxyActivities<PlanningActivities>({ startToCloseTimeout: '30 minutes', retry });
  const scoring = proxyActivities<ScoringActivities>({
    taskQueue: scoringTaskQueue(taskQueue),
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: '2 minutes',
    retry,
  });

  const progress: JobProgress = {
    phase: 'planning',
    shardsPlanned: 0,
    shardsDone: 0,
    shardsFailed: 0,
    rowsPlanned: 0,
    rowsScored: 0,
  };
  setHandler(progressQuery, () => progress);

  const plan = await planning.planJob({
    jobId,
    input: spec.input,
    model: spec.model,
    output: spec.output,
    idColumns: spec.idColumns,
    shardRows: spec.shardRows,
  });
  progress.phase = 'scoring';
  progress.shardsPlanned = plan.shards;
  progress.rowsPlanned = plan.rows;

  let stats: StatsByColumn = {};
  let failure: { shardId: string; fileUri: string; error: unknown } | undefined;
  const inFlight = new Set<Promise<void>>();
  const score = async (input: ScoreShardInput) => {
    try {
      const result = await scoring.scoreShard(input);
      stats = mergeStats(stats, result.stats);
      progress.shardsDone++;
      progress.rowsScored += result.rows;
    } catch (error) {
      progress.shardsFailed++;
      failure ??= { shardId: input.shard.shardId, fileUri: input.shard.fileUri, error };
    }
  };
  for (let start = 0; start < plan.shards && !failure; start += SHARD_PAGE) {
    const shards = await planning.loadShards({ output: spec.output, start, count: SHARD_PAGE });
    for (const shard of shards) {
      await condition(() => inFlight.size < spec.concurrency || failure !== undefined);
      if (failure) break;
      const task = score({
        jobId,
        shard,
        model: plan.model,
        output: spec.output,
        idColumns: plan.idColumns,
      }).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  }
  await Promise.all(inFlight);
  if (failure) throw shardFailure(jobId, failure);

  progress.phase = 'finalizing';
  const final = await planning.finalizeJob({
    jobId,
    output: spec.output,
    planUri: plan.planUri,
    model: plan.model,
    stats,
    startedAt: startTime.toISOString(),
  });
  progress.phase = 'done';
  log.info('job completed', { jobId, rows: final.rowsScored, drift: final.drift.verdict });
  return {
    jobId,
    status: 'completed',
    rowsIn: final.rowsIn,
    rowsScored: final.rowsScored,
    rowsFailed: 0,
    shards: { planned: plan.shards, done: progress.shardsDone, failed: progress.shardsFailed },
    model: plan.model,
    output: {
      root: spec.output,
      predictions: `${spec.output}/predictions`,
      manifest: final.manifestUri,
      driftReport: final.driftReportUri,
    },
    drift: final.drift,
  };
}

function validate(raw: JobSpecLike): JobSpec {
  try {
    return parseJobSpec(raw);
  } catch (error) {
    if (error instanceof InvalidJobSpecError) {
      throw ApplicationFailure.create({
        type: error.name,
        message: error.message,
        nonRetryable: true,
        details: [error.issues],
      });
    }
    throw error;
  }
}

/** The job fails with the shard's own failure type, so callers see e.g. CorruptParquetError, not a wrapper. */
function shardFailure(
  jobId: string,
  failure: { shardId: string; fileUri: string; error: unknown },
): ApplicationFailure {
  let cause = failure.error;
  if (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  const type = cause instanceof ApplicationFailure && cause.type ? cause.type : 'ShardFailedError';
  return ApplicationFailure.create({
    type,
    message: `job ${jobId}: shard ${failure.shardId} of ${failure.fileUri} failed: ${message}`,
    nonRetryable: true,
  });
}
