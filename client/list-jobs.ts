import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { DATASET, MODEL, MODEL_VERSION, STATUS, type JobState } from '../workflows/search-attributes.js';

export interface ListJobsOptions {
  /** A job state (BatchScoreStatus), or "running" for every job still running whatever its phase. */
  status?: JobState | 'running';
  /** Model name, as in model.json. */
  model?: string;
  /** The dataset (the job's resolved input). */
  dataset?: string;
  /** Jobs started at or after this time. */
  since?: Date;
  /** At most this many (default 100). */
  limit?: number;
}

export interface JobListEntry {
  jobId: string;
  runId: string;
  /** The job's own state; for a run the cluster ended (terminated, timed out), that ending. */
  status: JobState | 'terminated' | 'timed_out' | 'running' | 'unknown';
  dataset?: string;
  model?: string;
  modelVersion?: string;
  startTime: Date;
  closeTime?: Date;
}

const UNFINISHED = new Set<string>(['planning', 'scoring', 'paused', 'finalizing']);

export async function listJobs(client: Client, options: ListJobsOptions): Promise<JobListEntry[]> {
  const limit = options.limit ?? 100;
  const jobs: JobListEntry[] = [];
  for await (const execution of client.workflow.list({ query: listQuery(options) })) {
    jobs.push(toEntry(execution));
    if (jobs.length >= limit) break;
  }
  return jobs;
}

/** The visibility query for the filters; values are quoted so a path with quotes cannot change the query. */
export function listQuery(options: ListJobsOptions): string {
  const clauses = [`WorkflowType = 'scoreJob'`];
  if (options.status === 'running') clauses.push(`ExecutionStatus = 'Running'`);
  else if (options.status) clauses.push(`${STATUS.name} = ${quote(options.status)}`);
  if (options.model) clauses.push(`${MODEL.name} = ${quote(options.model)}`);
  if (options.dataset) clauses.push(`${DATASET.name} = ${quote(options.dataset)}`);
  if (options.since) clauses.push(`StartTime >= ${quote(options.since.toISOString())}`);
  // No ORDER BY: SQL visibility stores (the dev server's) reject it; they list newest first anyway.
  return clauses.join(' AND ');
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function toEntry(execution: WorkflowExecutionInfo): JobListEntry {
  const attributes = execution.typedSearchAttributes;
  const state = attributes.get(STATUS);
  const closed = execution.status.name !== 'RUNNING';
  let status: JobListEntry['status'] = (state as JobState | undefined) ?? (closed ? 'unknown' : 'running');
  if (closed && (state === undefined || UNFINISHED.has(state))) {
    // A run the cluster ended (terminate, timeout) never wrote its own final state.
    const endings: Partial<Record<string, JobListEntry['status']>> = {
      TERMINATED: 'terminated',
      TIMED_OUT: 'timed_out',
      CANCELLED: 'cancelled',
    };
    status = endings[execution.status.name] ?? 'failed';
  }
  return {
    jobId: execution.workflowId,
    runId: execution.runId,
    status,
    dataset: attributes.get(DATASET),
    model: attributes.get(MODEL),
    modelVersion: attributes.get(MODEL_VERSION),
    startTime: execution.startTime,
    closeTime: execution.closeTime,
  };
}
