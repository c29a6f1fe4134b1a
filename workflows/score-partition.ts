import { CancellationScope, condition, isCancellation, setHandler, workflowInfo } from '@temporalio/workflow';
import type { FailedShard, ScorePartitionInput, ScorePartitionResult } from '../domain/job.js';
import type { Shard } from '../domain/shard-plan.js';
import { mergeStats, type StatsByColumn } from '../domain/stats.js';
import { planningActivities, scoringActivities } from './activities.js';
import { describeFailure } from './failures.js';
import { partitionProgressQuery } from './messages.js';

/** Shards fetched from the stored plan per activity call: small enough for one payload. */
export const SHARD_PAGE = 500;
/** Failures a partition reports in full; the rest are counted (all are in <output>/errors/). */
const FAILURES_REPORTED = 20;

/**
 * Scores one partition of the plan (a child workflow, so no single history holds a whole terabyte job):
 * fetches its shards page by page and keeps at most `concurrency` scoring activities running. A failed
 * shard is recorded and counted; past the failure budget, the partition cancels what runs and returns.
 */
export async function scorePartition(input: ScorePartitionInput): Promise<ScorePartitionResult> {
  const planning = planningActivities();
  const scoring = scoringActivities(input.heartbeatTimeoutSeconds);
  const progress = { shardsDone: 0, shardsFailed: 0, rowsScored: 0 };
  setHandler(partitionProgressQuery, () => progress);

  let stats: StatsByColumn = {};
  let rowsFailed = 0;
  const failures: FailedShard[] = [];
  let budgetExceeded = false;
  const running = new CancellationScope();
  const inFlight = new Set<Promise<void>>();

  const score = async (shard: Shard): Promise<void> => {
    try {
      const result = await running.run(() =>
        scoring.scoreShard({
          jobId: input.jobId,
          shard,
          model: input.model,
          output: input.output,
          idColumns: input.idColumns,
        }),
      );
      stats = mergeStats(stats, result.stats);
      progress.shardsDone++;
      progress.rowsScored += result.rows;
    } catch (error) {
      if (isCancellation(error)) {
        if (budgetExceeded) return; // we cancelled it ourselves
        throw error;
      }
      const failure = describeFailure(shard, error);
      await planning.recordShardFailure({ jobId: input.jobId, output: input.output, failure });
      progress.shardsFailed++;
      rowsFailed += shard.rows;
      if (failures.length < FAILURES_REPORTED) failures.push(failure);
      if (progress.shardsFailed > input.failureBudget && !budgetExceeded) {
        budgetExceeded = true;
        running.cancel();
      }
    }
  };

  for (let start = input.start; start < input.end && !budgetExceeded; start += SHARD_PAGE) {
    const shards = await planning.loadShards({
      output: input.output,
      start,
      count: Math.min(SHARD_PAGE, input.end - start),
    });
    for (const shard of shards) {
      await condition(() => inFlight.size < input.concurrency || budgetExceeded);
      if (budgetExceeded) break;
      const task = score(shard).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  }
  await Promise.all(inFlight);

  const { historyLength, historySize } = workflowInfo();
  return {
    ...progress,
    rowsFailed,
    failures,
    budgetExceeded,
    stats,
    history: { events: historyLength, bytes: historySize },
  };
}
