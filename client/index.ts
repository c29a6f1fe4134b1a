import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  CancelledFailure,
  Client,
  Connection,
  WorkflowFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { withRate, type JobProgress, type JobSpecLike, type JobSummary } from '../domain/job.js';
import type { JobSpecInput } from '../domain/job-spec.js';
import { clusterFromEnv } from '../temporal/connection.js';
import { partitionProgressQuery, progressQuery } from '../workflows/messages.js';
import { DEFAULT_TASK_QUEUE } from '../workflows/task-queues.js';
import type { scoreJob } from '../workflows/score-job.js';
import { JobFailedError } from './errors.js';

export { JobFailedError } from './errors.js';
export type { JobProgress, JobSummary } from '../domain/job.js';
export type { JobSpecInput as JobSpec } from '../domain/job-spec.js';
export { JobSpecSchema, parseJobSpec } from '../domain/job-spec.js';

export const WORKFLOW_TYPE = 'scoreJob';

export interface ConnectOptions {
  /** An open connection; otherwise one is made from `address` or TEMPORAL_ADDRESS (default localhost:7233). */
  connection?: Connection;
  address?: string;
  namespace?: string;
  /** Task queue the batch-score workers poll (default "batch-score"). */
  taskQueue?: string;
}

/** The data team's entry point: start, find and follow scoring jobs on a Temporal cluster. */
export class BatchScoreClient {
  private constructor(
    readonly client: Client,
    private readonly ownsConnection: boolean,
    readonly taskQueue: string,
  ) {}

  static async connect(options: ConnectOptions = {}): Promise<BatchScoreClient> {
    const cluster = clusterFromEnv();
    const connection =
      options.connection ??
      (await Connection.connect(
        options.address ? { address: options.address } : (cluster?.connection ?? {}),
      ));
    const namespace = options.namespace ?? cluster?.namespace ?? 'default';
    return new BatchScoreClient(
      new Client({ connection, namespace }),
      !options.connection,
      options.taskQueue ?? DEFAULT_TASK_QUEUE,
    );
  }

  /**
   * Starts a job. Job ids are idempotent: an id that is running or has finished (completed or partial)
   * returns that job instead of starting a second one. An id whose last run failed or was cancelled starts
   * a new run, which reuses every part already published and scores only the missing shards.
   */
  async startJob(spec: JobSpecInput, options: { jobId?: string } = {}): Promise<JobHandle> {
    const jobId =
      options.jobId ?? `score-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    try {
      const handle = await this.client.workflow.start(WORKFLOW_TYPE, {
        workflowId: jobId,
        taskQueue: this.taskQueue,
        args: [spec as unknown as JobSpecLike],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return new JobHandle(this.client, handle as WorkflowHandle<typeof scoreJob>);
    } catch (error) {
      if (error instanceof Error && error.name === 'WorkflowExecutionAlreadyStartedError')
        return this.getJob(jobId);
      throw error;
    }
  }

  getJob(jobId: string): JobHandle {
    return new JobHandle(this.client, this.client.workflow.getHandle<typeof scoreJob>(jobId));
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.client.connection.close();
  }
}

export class JobHandle {
  constructor(
    private readonly client: Client,
    readonly workflow: WorkflowHandle<typeof scoreJob>,
  ) {}

  get jobId(): string {
    return this.workflow.workflowId;
  }

  /**
   * Shards and rows planned, done and failed, rows/s and ETA. The job's own query counts finished partitions; the running
   * partitions (child workflows) are asked for their live counts and added.
   */
  async progress(): Promise<JobProgress> {
    const { runningPartitions, ...progress } = await this.workflow.query(progressQuery);
    const live = await Promise.all(
      runningPartitions.map((id) =>
        this.client.workflow
          .getHandle(id)
          .query(partitionProgressQuery)
          .catch(() => ({ shardsDone: 0, shardsFailed: 0, rowsScored: 0 })),
      ),
    );
    for (const p of live) {
      progress.shardsDone += p.shardsDone;
      progress.shardsFailed += p.shardsFailed;
      progress.rowsScored += p.rowsScored;
    }
    return withRate(progress, Date.now());
  }

  /** The job's summary; a failed job throws JobFailedError with the failure's type and message. */
  async result(): Promise<JobSummary> {
    try {
      return await this.workflow.result();
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

  async cancel(): Promise<void> {
    await this.workflow.cancel();
  }
}

/** Activity failures arrive wrapped (ActivityFailure > ApplicationFailure); callers want the inner, typed one. */
function innermostApplicationFailure(error: unknown): ApplicationFailure | undefined {
  let found: ApplicationFailure | undefined;
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof ApplicationFailure) found = e;
  return found;
}
