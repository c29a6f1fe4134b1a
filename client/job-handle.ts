import {
  ApplicationFailure,
  CancelledFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { withRate, type JobControl, type JobProgress, type JobSummary } from '../domain/job.js';
import {
  type RunningPartition,
  partitionProgressQuery,
  pauseUpdate,
  progressQuery,
  resumeUpdate,
  setConcurrencyUpdate,
} from '../workflows/messages.js';
import type { scoreJob } from '../workflows/score-job.js';
import { InvalidControlError, JobFailedError, JobNotFoundError, JobNotRunningError } from './errors.js';

const EMPTY_PROGRESS: JobProgress = {
  phase: 'planning',
  shardsPlanned: 0,
  shardsDone: 0,
  shardsFailed: 0,
  shardsRunning: 0,
  rowsPlanned: 0,
  rowsScored: 0,
  paused: false,
  concurrency: 0,
};

/** One job: follow it, control it, await it. Every method talks to the job's workflow on the cluster. */
export class JobHandle {
  constructor(
    private readonly client: Client,
    readonly workflow: WorkflowHandle<typeof scoreJob>,
  ) {}

  get jobId(): string {
    return this.workflow.workflowId;
  }

  /**
   * Shards and rows planned, done, failed and running, rows/s and ETA, paused or not and the concurrency.
   * The job's own counts include what running partitions last reported; those partitions (child
   * workflows) are asked for their exact live counts, which replace the reports.
   */
  async progress(): Promise<JobProgress> {
    let reported: JobProgress & { partitions: RunningPartition[] };
    try {
      reported = await this.call(() => this.workflow.query(progressQuery));
    } catch (error) {
      // A run that failed before it could answer (e.g. a malformed spec) still has an ending to report.
      const ended = error instanceof JobNotFoundError ? undefined : await this.ending();
      if (ended) return withRate({ ...EMPTY_PROGRESS, ...ended }, Date.now());
      throw error;
    }
    const { partitions, ...progress } = reported;
    const live = await Promise.all(
      partitions.map(async (last) => {
        const exact = await this.client.workflow
          .getHandle(last.workflowId)
          .query(partitionProgressQuery)
          .catch(() => last); // it finished between the two queries; the job's report stands
        return { last, exact };
      }),
    );
    for (const { last, exact } of live) {
      progress.shardsDone += exact.shardsDone - last.shardsDone;
      progress.shardsFailed += exact.shardsFailed - last.shardsFailed;
      progress.rowsScored += exact.rowsScored - last.rowsScored;
      progress.shardsRunning += exact.shardsRunning - last.shardsRunning;
    }
    // Terminated or timed-out runs never got to record their end themselves.
    if (!['done', 'cancelled', 'failed'].includes(progress.phase))
      Object.assign(progress, await this.ending());
    return withRate(progress, Date.now());
  }

  /** How a closed run ended, when it did not end by completing; undefined while it runs or if it completed. */
  private async ending(): Promise<Partial<JobProgress> | undefined> {
    const description = await this.workflow.describe();
    const status = description.status.name;
    if (status === 'RUNNING' || status === 'COMPLETED') return undefined;
    const finishedAt = description.closeTime?.toISOString();
    if (status === 'CANCELLED') return { phase: 'cancelled', finishedAt, shardsRunning: 0 };
    const failure = await this.result().then(
      () => undefined,
      (error: unknown) =>
        error instanceof JobFailedError ? { type: error.type, message: error.message } : undefined,
    );
    return {
      phase: 'failed',
      finishedAt,
      shardsRunning: 0,
      failure: failure ?? { type: status.toLowerCase(), message: `the run was ${status.toLowerCase()}` },
    };
  }

  /** Stops starting new shards; running ones finish. `reason` shows in the Web UI and `job status`. */
  pause(reason?: string): Promise<JobControl> {
    return this.control('pause', () => this.workflow.executeUpdate(pauseUpdate, { args: [reason ?? ''] }));
  }

  resume(): Promise<JobControl> {
    return this.control('resume', () => this.workflow.executeUpdate(resumeUpdate, { args: [] }));
  }

  /** Most shards scored at once from now on (1 to 10,000); running shards are never stopped to get there. */
  setConcurrency(concurrency: number): Promise<JobControl> {
    return this.control('setConcurrency', () =>
      this.workflow.executeUpdate(setConcurrencyUpdate, { args: [concurrency] }),
    );
  }

  /** The job's summary; a failed or cancelled job throws JobFailedError with the failure's type and message. */
  async result(): Promise<JobSummary> {
    try {
      return await this.call(() => this.workflow.result());
    } catch (error) {
      if (error instanceof WorkflowFailedError) {
        if (error.cause instanceof CancelledFailure) {
          throw new JobFailedError(
            this.jobId,
            'JobCancelled',
            `job ${this.jobId} was cancelled; finished parts are listed in its manifest`,
          );
        }
        const cause = innermostApplicationFailure(error.cause) ?? error.cause;
        if (cause instanceof ApplicationFailure) {
          throw new JobFailedError(this.jobId, cause.type ?? 'Error', cause.message, cause.details ?? []);
        }
        throw new JobFailedError(this.jobId, cause?.name ?? 'Error', cause?.message ?? error.message);
      }
      throw error;
    }
  }

  /** Asks the job to stop: running shards stop within one heartbeat and clean up; finished parts are kept. */
  async cancel(): Promise<void> {
    if ((await this.isRunning()) === false) throw new JobNotRunningError(this.jobId, 'be cancelled');
    await this.call(() => this.workflow.cancel());
  }

  private async control(name: string, send: () => Promise<JobControl>): Promise<JobControl> {
    try {
      return await this.call(send);
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        throw new InvalidControlError(
          `job ${this.jobId} refused ${name}: ${error.cause?.message ?? error.message}`,
        );
      }
      if (error instanceof JobNotFoundError || isAlreadyCompleted(error)) {
        const running = await this.isRunning();
        if (!running && running !== undefined) throw new JobNotRunningError(this.jobId, name);
      }
      throw error;
    }
  }

  private async isRunning(): Promise<boolean | undefined> {
    try {
      return (await this.workflow.describe()).status.name === 'RUNNING';
    } catch {
      return undefined;
    }
  }

  private async call<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError && !(await this.exists()))
        throw new JobNotFoundError(this.jobId);
      throw error;
    }
  }

  private async exists(): Promise<boolean> {
    try {
      await this.workflow.describe();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }
}

function isAlreadyCompleted(error: unknown): boolean {
  return (
    error instanceof Error && /already completed|workflow execution already completed/i.test(error.message)
  );
}

/** Activity failures arrive wrapped (ActivityFailure > ApplicationFailure); callers want the inner, typed one. */
function innermostApplicationFailure(error: unknown): ApplicationFailure | undefined {
  let found: ApplicationFailure | undefined;
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof ApplicationFailure) found = e;
  return found;
}
