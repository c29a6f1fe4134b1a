import {
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  setCurrentDetails,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  FailedShard,
  PartitionProgress,
  ScorePartitionInput,
  ScorePartitionResult,
} from '../domain/job.js';
import { batchShards, type Shard } from '../domain/shard-plan.js';
import { mergeStats, type StatsByColumn } from '../domain/stats.js';
import { planningActivities, scoringActivities } from './activities.js';
import { partitionDetails } from './details.js';
import { describeFailure } from './failures.js';
import { PROGRESS_REPORTS_PATCH, SCHEDULE_BUDGET_PATCH, SHARD_BATCHES_PATCH } from './patches.js';
import {
  partitionControlSignal,
  partitionProgressQuery,
  partitionReportSignal,
  type PartitionControl,
} from './messages.js';

/** Shards fetched from the stored plan per activity call: small enough for one payload. */
export const SHARD_PAGE = 500;
/** Most shards one scoring activity takes in a batch; its result is merged statistics, so it stays small. */
export const MAX_BATCH_SHARDS = 100;
/**
 * Activity input one workflow task may schedule. A task's completion carries every command it made and the
 * server refuses one over 4 MB (gRPC's limit), after which the workflow task fails and retries forever
 * without a word; a page of shards with long paths, at a high concurrency, would get there.
 */
export const SCHEDULE_BYTES_PER_TASK = 1_000_000;
/** Failures a partition reports in full; the rest are counted (all are in <output>/errors/). */
const FAILURES_REPORTED = 20;

/**
 * Scores one partition of the plan (a child workflow, so no single history holds a whole terabyte job):
 * fetches its shards page by page and keeps at most its share of the job's concurrency running, none while
 * paused. A failed shard is recorded and counted; past the failure budget, the partition cancels what runs
 * and returns. Every `progressReportSeconds` at most, it tells the job its counts.
 */
export async function scorePartition(input: ScorePartitionInput): Promise<ScorePartitionResult> {
  const planning = planningActivities();
  const scoring = scoringActivities(input.heartbeatTimeoutSeconds);
  const progress = { shardsDone: 0, shardsFailed: 0, rowsScored: 0 };
  const control: PartitionControl = { paused: input.paused, concurrency: input.concurrency };
  const inFlight = new Set<Promise<void>>();
  let shardsRunning = 0;
  const live = (): PartitionProgress => ({ ...progress, shardsRunning });
  const showDetails = () => setCurrentDetails(partitionDetails(input, live(), control));

  setHandler(partitionProgressQuery, live);
  setHandler(partitionControlSignal, (next) => {
    Object.assign(control, next);
    showDetails();
  });
  const report = progressReporter(input.progressReportSeconds, live);
  // Partitions started before batches existed replay scoring one shard per activity.
  const batching = (input.batchRows ?? 0) > 0 && patched(SHARD_BATCHES_PATCH);

  let stats: StatsByColumn = {};
  let rowsFailed = 0;
  const failures: FailedShard[] = [];
  let budgetExceeded = false;
  const running = new CancellationScope();

  const fail = (failure: FailedShard): void => {
    progress.shardsFailed++;
    rowsFailed += failure.rows;
    if (failures.length < FAILURES_REPORTED) failures.push(failure);
    if (progress.shardsFailed > input.failureBudget && !budgetExceeded) {
      budgetExceeded = true;
      running.cancel();
    }
  };

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
      fail(failure);
    }
  };

  const scoreBatch = async (shards: Shard[]): Promise<void> => {
    try {
      const result = await running.run(() =>
        scoring.scoreShards({
          jobId: input.jobId,
          shards,
          model: input.model,
          output: input.output,
          idColumns: input.idColumns,
        }),
      );
      stats = mergeStats(stats, result.stats);
      progress.shardsDone += result.shardsDone;
      progress.rowsScored += result.rowsScored;
      result.failures.forEach(fail); // recorded in errors/ by the activity
    } catch (error) {
      if (isCancellation(error)) {
        if (budgetExceeded) return;
        throw error;
      }
      // Out of retries as a whole: score its shards one by one, which reuses every part the batch
      // published and gives each shard its own outcome (never a part and an error for the same shard).
      for (const shard of shards) if (!budgetExceeded) await score(shard);
    }
  };

  const scheduled = scheduleBudget(
    JSON.stringify({
      jobId: input.jobId,
      model: input.model,
      output: input.output,
      idColumns: input.idColumns,
    }).length,
  );
  showDetails();
  // Pages hold at most SHARD_PAGE shards, fewer when their paths are long (the activity caps a page's bytes).
  for (let start = input.start; start < input.end && !budgetExceeded;) {
    const shards = await planning.loadShards({
      output: input.output,
      start,
      count: Math.min(SHARD_PAGE, input.end - start),
    });
    if (shards.length === 0) {
      throw ApplicationFailure.nonRetryable(
        `the stored plan in ${input.output} has no shard ${start} (this partition ends at ${input.end})`,
        'ReconciliationError',
      );
    }
    start += shards.length;
    const groups = batching
      ? batchShards(shards, input.batchRows!, MAX_BATCH_SHARDS)
      : shards.map((s) => [s]);
    scheduled.newTask(); // the page arrived in a new workflow task
    for (const group of groups) {
      const bytes = await scheduled.roomFor(group);
      const ready = () => (!control.paused && inFlight.size < control.concurrency) || budgetExceeded;
      if (!ready()) {
        await condition(ready);
        scheduled.newTask(); // it waited, so for an event of a later task
      }
      if (budgetExceeded) break;
      scheduled.add(bytes);
      shardsRunning += group.length;
      const task = (group.length === 1 ? score(group[0]!) : scoreBatch(group)).finally(() => {
        inFlight.delete(task);
        shardsRunning -= group.length;
        report();
        showDetails();
      });
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

/**
 * Counts the activity input scheduled in the current workflow task (an estimate from the JSON; overcounting
 * only costs a timer). `roomFor` ends the task with a 1 ms timer when the next group would pass
 * SCHEDULE_BYTES_PER_TASK, `add` counts a group as it is scheduled, and `newTask` is called after anything
 * that waited for a later task.
 */
function scheduleBudget(fixedBytes: number) {
  let bytes = 0;
  return {
    newTask(): void {
      bytes = 0;
    },
    /** Waits for a new task when `group` does not fit in this one; returns its size for `add`. */
    async roomFor(group: Shard[]): Promise<number> {
      const next = fixedBytes + JSON.stringify(group).length;
      // Histories from before the budget replay without its timers.
      if (bytes > 0 && bytes + next > SCHEDULE_BYTES_PER_TASK && patched(SCHEDULE_BUDGET_PATCH)) {
        await sleep(1);
        bytes = 0;
      }
      return next;
    },
    add(next: number): void {
      bytes += next;
    },
  };
}

/**
 * Sends the parent job this partition's counts when at least `seconds` passed since the last report.
 * Workflow time only moves with events, so this needs no timer of its own.
 */
function progressReporter(seconds: number, live: () => PartitionProgress): () => void {
  const { parent, workflowId } = workflowInfo();
  let last = Date.now();
  return () => {
    if (seconds <= 0 || !parent || Date.now() - last < seconds * 1000) return;
    // Partitions started before progress reports existed replay without them.
    if (!patched(PROGRESS_REPORTS_PATCH)) return;
    last = Date.now();
    // The job may have finished or been cancelled meanwhile; a report it never reads is harmless.
    getExternalWorkflowHandle(parent.workflowId)
      .signal(partitionReportSignal, { workflowId, ...live() })
      .catch(() => undefined);
  };
}
