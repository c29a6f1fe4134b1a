import { randomUUID } from 'node:crypto';
import {
  ApplicationFailure,
  Client,
  Connection,
  WorkflowFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import type { JobProgress, JobSpecLike, JobSummary } from '../domain/job.js';
import type { JobSpecInput } from '../domain/job-spec.js';
import { clusterFromEnv } from '../temporal/connection.js';
import { progressQuery } from '../workflows/messages.js';
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
   * Starts a job. With a `jobId` that already ran or runs, returns that job instead of starting a second
   * one: job ids are idempotent.
   */
  async startJob(spec: JobSpecInput, options: { jobId?: string } = {}): Promise<JobHandle> {
    const jobId =
      options.jobId ?? `score-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    try {
      const handle = await this.client.workflow.start(WORKFLOW_TYPE, {
        workflowId: jobId,
        taskQueue: this.taskQueue,
        args: [spec as unknown as JobSpecLike],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      return new JobHandle(handle as WorkflowHandle<typeof scoreJob>);
    } catch (error) {
      if (error instanceof Error && error.name === 'WorkflowExecutionAlreadyStartedError')
        return this.getJob(jobId);
      throw error;
    }
  }

  getJob(jobId: string): JobHandle {
    return new JobHandle(this.client.workflow.getHandle<typeof scoreJob>(jobId));
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.client.connection.close();
  }
}

export class JobHandle {
  constructor(readonly workflow: WorkflowHandle<typeof scoreJob>) {}

  get jobId(): string {
    return this.workflow.workflowId;
  }

  progress(): Promise<JobProgress> {
    return this.workflow.query(progressQuery);
  }

  /** The job's summary; a failed job throws JobFailedError with the failure's type and message. */
  async result(): Promise<JobSummary> {
    try {
      return await this.workflow.result();
    } catch (error) {
      if (error instanceof WorkflowFailedError) {
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
