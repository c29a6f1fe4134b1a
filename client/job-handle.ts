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
  partitionProgressQuery,
  pauseUpdate,
  progressQuery,
  resumeUpdate,
  setConcurrencyUpdate,
} from '../workflows/messages.js';
import type { scoreJob } from '../workflows/score-job.js';
import { InvalidControlError, JobFailedError, JobNotFoundError, JobNotRunningError } from './errors.js';

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
    const { partitions, ...progress } = await this.call(() => this.workflow.query(progressQuery));
    const live = await Promise.all(
      partitions.map(async (reported) => {
        const exact = await this.client.workflow
          .getHandle(reported.workflowId)
          .query(partitionProgressQuery)
          .catch(() => reported); // it finished between the two queries; the job's report stands
        return { reported, exact };
      }),
    );
    for (const { reported, exact } of live) {
      progress.shardsDone += exact.shardsDone - reported.shardsDone;
      progress.shardsFailed += exact.shardsFailed - reported.shardsFailed;
      progress.rowsScored += exact.rowsScored - reported.rowsScored;
      progress.shardsRunning += exact.shardsRunning - reported.shardsRunning;
    }
    return withRate(progress, Date.now());
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
