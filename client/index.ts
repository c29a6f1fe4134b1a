import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { JobSpecLike } from '../domain/job.js';
import type { JobSpecInput } from '../domain/job-spec.js';
import { clusterFromEnv } from '../temporal/connection.js';
import { DEFAULT_TASK_QUEUE } from '../workflows/task-queues.js';
import type { scoreJob } from '../workflows/score-job.js';
import { JobHandle } from './job-handle.js';
import { listJobs, type JobListEntry, type ListJobsOptions } from './list-jobs.js';
import { JobSchedules } from './schedules.js';

export {
  InvalidControlError,
  JobFailedError,
  JobNotFoundError,
  JobNotRunningError,
  ScheduleError,
} from './errors.js';
export { JobHandle } from './job-handle.js';
export type { JobListEntry, ListJobsOptions } from './list-jobs.js';
export {
  JobSchedules,
  OVERLAP_POLICIES,
  type BackfillOptions,
  type CreateScheduleOptions,
  type OverlapPolicy,
  type ScheduleInfo,
  type UpdateScheduleOptions,
} from './schedules.js';
export type { JobControl, JobProgress, JobSummary } from '../domain/job.js';
export type { JobSpecInput as JobSpec } from '../domain/job-spec.js';
export { JobSpecSchema, parseJobSpec } from '../domain/job-spec.js';
export type { JobState } from '../workflows/search-attributes.js';

export const WORKFLOW_TYPE = 'scoreJob';

export interface ConnectOptions {
  /** An open connection; otherwise one is made from `address` or TEMPORAL_ADDRESS (default localhost:7233). */
  connection?: Connection;
  address?: string;
  namespace?: string;
  /** Task queue the batch-score workers poll (default "batch-score"). */
  taskQueue?: string;
}

export interface StartJobOptions {
  /** The job's id; starting the same id again returns the same job. Default: a new, time-stamped id. */
  jobId?: string;
  /** One line the Web UI shows for the job; default "score <input> with <model>". */
  summary?: string;
}

/** The data team's entry point: start, find, list and control scoring jobs and their nightly schedules. */
export class BatchScoreClient {
  readonly schedules: JobSchedules;

  private constructor(
    readonly client: Client,
    private readonly ownsConnection: boolean,
    readonly taskQueue: string,
  ) {
    this.schedules = new JobSchedules(client, taskQueue);
  }

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
  async startJob(spec: JobSpecInput, options: StartJobOptions = {}): Promise<JobHandle> {
    const jobId =
      options.jobId ?? `score-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    try {
      const handle = await this.client.workflow.start(WORKFLOW_TYPE, {
        workflowId: jobId,
        taskQueue: this.taskQueue,
        args: [spec as unknown as JobSpecLike],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        workflowIdConflictPolicy: 'USE_EXISTING',
        staticSummary: options.summary ?? jobSummaryLine(spec),
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

  /** Jobs newest first, filtered by state, model name, dataset and start time (through the cluster's visibility). */
  listJobs(options: ListJobsOptions = {}): Promise<JobListEntry[]> {
    return listJobs(this.client, options);
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.client.connection.close();
  }
}

/** What the Web UI lists a job as, when the caller gives no summary. */
export function jobSummaryLine(spec: Pick<JobSpecInput, 'input' | 'model' | 'output'>): string {
  return `score ${spec.input} with ${spec.model} into ${spec.output}`;
}
