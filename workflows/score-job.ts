import {
  ApplicationFailure,
  CancellationScope,
  condition,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { InvalidJobSpecError } from '../domain/errors.js';
import type {
  FailedShard,
  FinalizeJobResult,
  HistoryFootprint,
  JobControl,
  JobProgress,
  JobSpecLike,
  JobSummary,
  PlanJobResult,
  ScorePartitionResult,
} from '../domain/job.js';
import { failureBudget, MAX_CONCURRENCY, parseJobSpec, type JobSpec } from '../domain/job-spec.js';
import { hasTemplates, resolveTemplates } from '../domain/path-templates.js';
import { mergeStats, type StatsByColumn } from '../domain/stats.js';
import { planningActivities } from './activities.js';
import { finishedDetails, jobDetails } from './details.js';
import { listFailures } from './failures.js';
import {
  partitionControlSignal,
  partitionReportSignal,
  pauseSignal,
  pauseUpdate,
  progressQuery,
  resumeSignal,
  resumeUpdate,
  setConcurrencySignal,
  setConcurrencyUpdate,
  type RunningPartition,
} from './messages.js';
import { JOB_CONTROL_PATCH } from './patches.js';
import { scorePartition } from './score-partition.js';
import {
  DATASET,
  MODEL,
  MODEL_VERSION,
  SCHEDULED_START_TIME,
  STATUS,
  type JobState,
} from './search-attributes.js';

/**
 * Shards per child workflow. Each shard costs a child about 6 history events and 1.4 KB, so a partition
 * stays near 3,400 events and 1.5 MB. The parent spends about 14 events per partition (start, completion
 * and their workflow tasks), so a 1,000,000-shard job of 1,000 partitions needs about 14,000 events plus
 * at most 8,000 of progress reports: both far under Temporal's 51,200 events and 50 MB.
 */
export const PARTITION_SHARDS = 1_000;
/** What jobs started before the job-control patch used; they keep it when replayed. */
const LEGACY_PARTITION_SHARDS = 500;
/** Partitions scored at once; two keep the scoring pool busy while one partition drains its tail. */
const PARALLEL_PARTITIONS = 2;
const FAILURES_REPORTED = 20;

/**
 * Scores a Parquet dataset: validate the spec, plan shards from the footers (the plan lives in storage),
 * score the plan's partitions as child workflows, then write the manifest and drift summary. Rows never
 * pass through Temporal. Failed shards within the job's limit make it `partial`; beyond it, it fails fast.
 * While it runs it can be paused, resumed and given another concurrency (updates or signals).
 */
export async function scoreJob(rawSpec: JobSpecLike): Promise<JobSummary> {
  const { workflowId: jobId, startTime } = workflowInfo();
  // Jobs started before live control replay as they ran: no search attributes, the old partition fan-out.
  const current = patched(JOB_CONTROL_PATCH);
  const upsertAttributes: typeof upsertSearchAttributes = current ? upsertSearchAttributes : () => undefined;
  const setState = (state: JobState) => upsertAttributes([{ key: STATUS, value: state }]);
  if (typeof rawSpec?.input === 'string') upsertAttributes([{ key: DATASET, value: keyword(rawSpec.input) }]);
  let spec: JobSpec;
  try {
    spec = resolvePaths(validate(rawSpec));
  } catch (error) {
    setState('failed');
    throw error;
  }
  upsertAttributes([{ key: DATASET, value: keyword(spec.input) }]);

  const planning = planningActivities();
  const control: JobControl = { paused: false, concurrency: spec.concurrency };
  const progress: Omit<JobProgress, keyof JobControl | 'shardsRunning'> = {
    phase: 'planning',
    shardsPlanned: 0,
    shardsDone: 0,
    shardsFailed: 0,
    rowsPlanned: 0,
    rowsScored: 0,
  };
  /** Running partitions: their last reports and their share of the concurrency. */
  const running = new Map<string, { task: Promise<void>; report: RunningPartition; share: number }>();
  let partitions = 0;
  let nextPartition = 0;

  const liveProgress = (): JobProgress & { partitions: RunningPartition[] } => {
    const reports = [...running.values()].map((p) => p.report);
    const sum = (pick: (r: RunningPartition) => number) => reports.reduce((total, r) => total + pick(r), 0);
    return {
      ...progress,
      ...control,
      shardsDone: progress.shardsDone + sum((r) => r.shardsDone),
      shardsFailed: progress.shardsFailed + sum((r) => r.shardsFailed),
      rowsScored: progress.rowsScored + sum((r) => r.rowsScored),
      shardsRunning: sum((r) => r.shardsRunning),
      partitions: reports,
    };
  };
  const showDetails = () => setCurrentDetails(jobDetails(liveProgress(), control));
  setHandler(progressQuery, liveProgress);
  setHandler(partitionReportSignal, (report) => {
    const partition = running.get(report.workflowId);
    if (partition) partition.report = report;
    showDetails();
  });

  const pause = (reason?: string): JobControl => {
    Object.assign(control, { paused: true, pauseReason: reason || undefined });
    if (progress.phase === 'scoring') setState('paused');
    rebalance({ pausedChanged: true });
    return { ...control };
  };
  const resume = (): JobControl => {
    Object.assign(control, { paused: false, pauseReason: undefined });
    if (progress.phase === 'scoring') setState('scoring');
    rebalance({ pausedChanged: true });
    return { ...control };
  };
  const setConcurrency = (concurrency: number): JobControl => {
    control.concurrency = concurrency;
    rebalance();
    return { ...control };
  };
  setHandler(pauseUpdate, pause);
  setHandler(resumeUpdate, resume);
  setHandler(setConcurrencyUpdate, setConcurrency, { validator: validateConcurrency });
  setHandler(pauseSignal, (reason) => void pause(typeof reason === 'string' ? reason : undefined));
  setHandler(resumeSignal, () => void resume());
  setHandler(setConcurrencySignal, (value) => {
    const concurrency = typeof value === 'object' && value !== null ? value.concurrency : value;
    try {
      validateConcurrency(concurrency);
    } catch (error) {
      // A signal cannot be refused; say why it was ignored where the worker's operators look.
      log.warn('setConcurrency signal ignored', { jobId, value, reason: String(error) });
      return;
    }
    setConcurrency(concurrency);
  });

  /**
   * How many partitions should run for the current concurrency, and each one's share of it. Only shares
   * that changed are signalled, so a steady job adds no events: a new partition takes what a finished one freed.
   */
  function slots(): number {
    if (!current) return Math.max(1, Math.min(partitions, PARALLEL_PARTITIONS));
    const left = partitions - nextPartition;
    return Math.max(1, Math.min(PARALLEL_PARTITIONS, control.concurrency, running.size + left));
  }
  function freeShare(): number {
    if (!current) return Math.max(1, Math.ceil(control.concurrency / slots()));
    let used = 0;
    for (const p of running.values()) used += p.share;
    return Math.max(0, control.concurrency - used);
  }
  function rebalance(options: { pausedChanged?: boolean } = {}): void {
    const ids = [...running.keys()];
    const shares = split(control.concurrency, Math.max(slots(), ids.length));
    ids.forEach((id, i) => {
      const partition = running.get(id)!;
      const share = shares[i] ?? 0;
      if (share === partition.share && !options.pausedChanged) return;
      partition.share = share;
      getExternalWorkflowHandle(id)
        .signal(partitionControlSignal, { paused: control.paused, concurrency: partition.share })
        .catch(() => undefined); // it may have just finished
    });
    showDetails();
  }

  try {
    setState('planning');
    showDetails();
    const plan = await planning.planJob({
      jobId,
      input: spec.input,
      model: spec.model,
      output: spec.output,
      idColumns: spec.idColumns,
      shardRows: spec.shardRows,
    });
    upsertAttributes([
      { key: MODEL, value: plan.model.name },
      { key: MODEL_VERSION, value: plan.model.version },
    ]);
    progress.phase = 'scoring';
    progress.scoringStartedAt = new Date().toISOString();
    progress.shardsPlanned = plan.shards;
    progress.rowsPlanned = plan.rows;
    setState(control.paused ? 'paused' : 'scoring');
    showDetails();

    const budget = failureBudget(spec, plan.shards);
    const partitionShards = current ? PARTITION_SHARDS : LEGACY_PARTITION_SHARDS;
    partitions = Math.ceil(plan.shards / partitionShards);
    let stats: StatsByColumn = {};
    const failures: FailedShard[] = [];
    let largest: HistoryFootprint = { events: 0, bytes: 0 };
    let exceeded = false;
    const children = new CancellationScope();

    const runPartition = async (index: number, workflowId: string, share: number): Promise<void> => {
      const start = index * partitionShards;
      let result: ScorePartitionResult;
      try {
        result = await children.run(() =>
          executeChild(scorePartition, {
            workflowId,
            args: [
              {
                jobId,
                output: spec.output,
                model: plan.model,
                idColumns: plan.idColumns,
                start,
                end: Math.min(start + partitionShards, plan.shards),
                concurrency: share,
                paused: control.paused,
                progressReportSeconds: progressReportSeconds(workflowInfo().historyLength),
                batchRows: spec.shardRows,
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
      while (nextPartition < partitions && !exceeded) {
        await condition(() => exceeded || (!control.paused && running.size < slots() && freeShare() > 0));
        if (exceeded) break;
        const index = nextPartition++;
        const workflowId = `${jobId}/partition-${String(index).padStart(5, '0')}`;
        const share = freeShare();
        const report: RunningPartition = {
          workflowId,
          shardsDone: 0,
          shardsFailed: 0,
          shardsRunning: 0,
          rowsScored: 0,
        };
        const task = runPartition(index, workflowId, share).finally(() => {
          running.delete(workflowId);
          // In the tail no partition will take the freed share: give it to those still running.
          if (nextPartition >= partitions && running.size > 0) rebalance();
          else showDetails();
        });
        running.set(workflowId, { task, report, share });
      }
      await Promise.all([...running.values()].map((p) => p.task));
    } catch (error) {
      if (isCancellation(error)) {
        // Keep and list what finished, then end as cancelled.
        progress.phase = 'cancelling';
        const final = await CancellationScope.nonCancellable(() => finalize(plan, stats, 'cancelled'));
        // Cancelled partitions never returned their counts; the manifest has what was published.
        running.clear();
        Object.assign(progress, {
          phase: 'cancelled',
          shardsDone: final.parts,
          rowsScored: final.rowsScored,
          finishedAt: new Date().toISOString(),
        });
        setState('cancelled');
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
    const final = await finalize(plan, stats, status);
    progress.phase = 'done';
    progress.finishedAt = new Date().toISOString();
    setState(status);
    setCurrentDetails(finishedDetails(status, final.rowsScored, final.rowsFailed, final.drift));
    log.info('job finished', { jobId, status, rows: final.rowsScored, failedShards: progress.shardsFailed });
    return summary(plan, status, final, failures, largest);
  } catch (error) {
    if (!isCancellation(error)) {
      Object.assign(progress, {
        phase: 'failed',
        finishedAt: new Date().toISOString(),
        failure: describeJobFailure(error),
      });
      setState('failed');
      setCurrentDetails(`**failed**\n\n${error instanceof Error ? error.message : String(error)}`);
    }
    throw error;
  }

  function finalize(
    plan: PlanJobResult,
    stats: StatsByColumn,
    status: 'completed' | 'partial' | 'cancelled',
  ): Promise<FinalizeJobResult> {
    progress.phase = status === 'cancelled' ? 'cancelling' : 'finalizing';
    if (status !== 'cancelled') setState('finalizing');
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

  function summary(
    plan: PlanJobResult,
    status: 'completed' | 'partial',
    final: FinalizeJobResult,
    failedShards: FailedShard[],
    largest: HistoryFootprint,
  ): JobSummary {
    const { historyLength, historySize } = workflowInfo();
    return {
      jobId,
      status,
      rowsIn: final.rowsIn,
      rowsScored: final.rowsScored,
      rowsFailed: final.rowsFailed,
      shards: { planned: plan.shards, done: progress.shardsDone, failed: progress.shardsFailed },
      failedShards,
      model: plan.model,
      output: outputPaths(spec, final),
      drift: final.drift,
      largestHistory: larger(largest, { events: historyLength, bytes: historySize }),
    };
  }
}

/** Keyword values are indexed whole; a pasted essay of an input must not fail the workflow task. */
function keyword(value: string): string {
  return value.length > 512 ? `${value.slice(0, 509)}...` : value;
}

function describeJobFailure(error: unknown): { type: string; message: string } {
  let cause = error;
  // Activity failures wrap the typed error the activity threw.
  while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause) cause = cause.cause;
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? 'Error', message: cause.message };
  return cause instanceof Error
    ? { type: cause.name, message: cause.message }
    : { type: 'Error', message: String(cause) };
}

function validateConcurrency(concurrency: unknown): void {
  if (
    !Number.isInteger(concurrency) ||
    (concurrency as number) < 1 ||
    (concurrency as number) > MAX_CONCURRENCY
  )
    throw new Error(
      `concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${JSON.stringify(concurrency)}`,
    );
}

/** `n` split over `k` parts as evenly as whole numbers allow, larger parts first. */
function split(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

/**
 * How often a new partition reports its counts. Each report costs the job about 4 history events, so
 * reports stop once the job's history passes 8,000 events: a 1,000,000-shard job (about 14,000 events of
 * partitions) then stays under 25,000 of Temporal's 51,200. Clients still get exact live counts by asking
 * the running partitions.
 */
function progressReportSeconds(historyLength: number): number {
  return historyLength < 8_000 ? 15 : 0;
}

/** Date templates resolve from the scheduled time: a Schedule's (or a backfill's), or the spec's own. */
function resolvePaths(spec: JobSpec): JobSpec {
  if (!hasTemplates(spec.input) && !hasTemplates(spec.output)) return spec;
  const scheduled = spec.scheduledTime
    ? new Date(spec.scheduledTime)
    : workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME);
  if (!scheduled) {
    throw invalidSpec([
      'scheduledTime: input or output has date templates such as {{date}}, but this run was not started by a Schedule; set scheduledTime (e.g. "2026-11-01T02:00:00Z") to say which date to score',
    ]);
  }
  return {
    ...spec,
    input: resolveTemplates(spec.input, scheduled, spec.timeZone),
    output: resolveTemplates(spec.output, scheduled, spec.timeZone),
  };
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
    if (error instanceof InvalidJobSpecError) throw invalidSpec(error.issues);
    throw error;
  }
}

function invalidSpec(issues: string[]): ApplicationFailure {
  const error = new InvalidJobSpecError(issues);
  return ApplicationFailure.create({
    type: error.name,
    message: error.message,
    nonRetryable: true,
    details: [issues],
  });
}
