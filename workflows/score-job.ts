import {
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  isCancellation,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { InvalidJobSpecError } from '../domain/errors.js';
import type {
  FailedShard,
  FinalizeJobResult,
  HistoryFootprint,
  JobProgress,
  JobSpecLike,
  JobSummary,
  PlanJobResult,
  ScorePartitionResult,
} from '../domain/job.js';
import { failureBudget, parseJobSpec, type JobSpec } from '../domain/job-spec.js';
import { mergeStats, type StatsByColumn } from '../domain/stats.js';
import { planningActivities } from './activities.js';
import { listFailures } from './failures.js';
import { progressQuery } from './messages.js';
import { scorePartition } from './score-partition.js';

/**
 * Shards per child workflow. Each shard costs a child about 6 history events and a few KB of results, so a
 * partition stays near 3,000 events and a few MB, and a 1,000,000-shard job needs 2,000 children: about
 * 14,000 events in the parent. Both far under Temporal's 51,200 events and 50 MB.
 */
export const PARTITION_SHARDS = 500;
/** Partitions scored at once; two keep the scoring pool busy while one partition drains its tail. */
const PARALLEL_PARTITIONS = 2;
const FAILURES_REPORTED = 20;

/**
 * Scores a Parquet dataset: validate the spec, plan shards from the footers (the plan lives in storage),
 * score the plan's partitions as child workflows, then write the manifest and drift summary. Rows never
 * pass through Temporal. Failed shards within the job's limit make it `partial`; beyond it, it fails fast.
 */
export async function scoreJob(rawSpec: JobSpecLike): Promise<JobSummary> {
  const spec = validate(rawSpec);
  const { workflowId: jobId, startTime } = workflowInfo();
  const planning = planningActivities();
  const progress: JobProgress = {
    phase: 'planning',
    shardsPlanned: 0,
    shardsDone: 0,
    shardsFailed: 0,
    rowsPlanned: 0,
    rowsScored: 0,
  };
  const running = new Map<string, Promise<void>>();
  setHandler(progressQuery, () => ({ ...progress, runningPartitions: [...running.keys()] }));

  const plan = await planning.planJob({
    jobId,
    input: spec.input,
    model: spec.model,
    output: spec.output,
    idColumns: spec.idColumns,
    shardRows: spec.shardRows,
  });
  progress.phase = 'scoring';
  progress.scoringStartedAt = new Date().toISOString();
  progress.shardsPlanned = plan.shards;
  progress.rowsPlanned = plan.rows;

  const budget = failureBudget(spec, plan.shards);
  const partitions = Math.ceil(plan.shards / PARTITION_SHARDS);
  const parallel = Math.max(1, Math.min(partitions, PARALLEL_PARTITIONS));
  const concurrency = Math.max(1, Math.ceil(spec.concurrency / parallel));
  let stats: StatsByColumn = {};
  const failures: FailedShard[] = [];
  let largest: HistoryFootprint = { events: 0, bytes: 0 };
  let exceeded = false;
  const children = new CancellationScope();

  const runPartition = async (index: number): Promise<void> => {
    const start = index * PARTITION_SHARDS;
    let result: ScorePartitionResult;
    try {
      result = await children.run(() =>
        executeChild(scorePartition, {
          workflowId: `${jobId}/partition-${String(index).padStart(5, '0')}`,
          args: [
            {
              jobId,
              output: spec.output,
              model: plan.model,
              idColumns: plan.idColumns,
              start,
              end: Math.min(start + PARTITION_SHARDS, plan.shards),
              concurrency,
              failureBudget: budget - progress.shardsFailed,
              heartbeatTimeoutSeconds: spec.heartbeatTimeoutSeconds,
            },
          ],
        }),
      );
    } catch (error) {
      if (exceeded && isCancellation(error)) return; // cancelled by us, past the failure limit
      throw error;
    }
    stats = mergeStats(stats, result.stats);
    progress.shardsDone += result.shardsDone;
    progress.shardsFailed += result.shardsFailed;
    progress.rowsScored += result.rowsScored;
    failures.push(...result.failures.slice(0, FAILURES_REPORTED - failures.length));
    largest = larger(largest, result.history);
    if ((result.budgetExceeded || progress.shardsFailed > budget) && !exceeded) {
      exceeded = true;
      children.cancel();
    }
  };

  try {
    for (let index = 0; index < partitions && !exceeded; index++) {
      await condition(() => running.size < parallel || exceeded);
      if (exceeded) break;
      const id = `${jobId}/partition-${String(index).padStart(5, '0')}`;
      const task = runPartition(index).finally(() => running.delete(id));
      running.set(id, task);
    }
    await Promise.all(running.values());
  } catch (error) {
    if (isCancellation(error)) {
      // Keep and list what finished, then end as cancelled.
      progress.phase = 'cancelling';
      await CancellationScope.nonCancellable(() => finalize('cancelled'));
    }
    throw error;
  }

  if (exceeded) {
    throw ApplicationFailure.create({
      type: 'FailureThresholdExceededError',
      nonRetryable: true,
      message:
        `job ${jobId}: ${progress.shardsFailed} of ${plan.shards} shards failed, more than the ${budget} allowed; the rest was cancelled:\n` +
        listFailures(failures, progress.shardsFailed),
    });
  }

  const status = progress.shardsFailed > 0 ? 'partial' : 'completed';
  const final = await finalize(status);
  progress.phase = 'done';
  log.info('job finished', { jobId, status, rows: final.rowsScored, failedShards: progress.shardsFailed });
  return summary(status, final);

  function finalize(status: 'completed' | 'partial' | 'cancelled'): Promise<FinalizeJobResult> {
    progress.phase = status === 'cancelled' ? 'cancelling' : 'finalizing';
    return planning.finalizeJob({
      jobId,
      output: spec.output,
      planUri: plan.planUri,
      model: plan.model,
      stats,
      startedAt: startTime.toISOString(),
      status,
    });
  }

  function summary(status: 'completed' | 'partial', final: FinalizeJobResult): JobSummary {
    const { historyLength, historySize } = workflowInfo();
    return {
      jobId,
      status,
      rowsIn: final.rowsIn,
      rowsScored: final.rowsScored,
      rowsFailed: final.rowsFailed,
      shards: { planned: plan.shards, done: progress.shardsDone, failed: progress.shardsFailed },
      failedShards: failures,
      model: plan.model,
      output: outputPaths(spec, final),
      drift: final.drift,
      largestHistory: larger(largest, { events: historyLength, bytes: historySize }),
    };
  }
}

function outputPaths(spec: JobSpec, final: FinalizeJobResult): JobSummary['output'] {
  return {
    root: spec.output,
    predictions: `${spec.output}/predictions`,
    manifest: final.manifestUri,
    driftReport: final.driftReportUri,
  };
}

function larger(a: HistoryFootprint, b: HistoryFootprint): HistoryFootprint {
  return { events: Math.max(a.events, b.events), bytes: Math.max(a.bytes, b.bytes) };
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

export type { PlanJobResult };
