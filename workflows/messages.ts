import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { JobControl, JobProgress, PartitionProgress } from '../domain/job.js';

export type { JobControl, PartitionProgress } from '../domain/job.js';

/** A running partition as the job last heard from it; clients ask it directly for exact live counts. */
export interface RunningPartition extends PartitionProgress {
  workflowId: string;
}

/**
 * Live progress of a job. The counts include what running partitions last reported (at most 15 s old
 * while the job's history is small; see progressReportSeconds); `partitions` lets a client swap those
 * reports for exact live figures.
 */
export const progressQuery = defineQuery<JobProgress & { partitions: RunningPartition[] }>('progress');

/** Live counts of one partition (a child workflow). */
export const partitionProgressQuery = defineQuery<PartitionProgress>('partitionProgress');

/*
 * Live control, as updates (validated and acknowledged: the SDK and CLI use these) and as signals of the
 * same names (fire-and-forget: what the Web UI's "Send a Signal" offers). Both return or apply a JobControl.
 */
export const pauseUpdate = defineUpdate<JobControl, [reason: string]>('pause');
export const resumeUpdate = defineUpdate<JobControl, []>('resume');
export const setConcurrencyUpdate = defineUpdate<JobControl, [concurrency: number]>('setConcurrency');
export const pauseSignal = defineSignal<[reason?: string]>('pause');
export const resumeSignal = defineSignal<[]>('resume');
/** Takes a number, or `{ "concurrency": n }` as the Web UI's JSON box makes natural. */
export const setConcurrencySignal =
  defineSignal<[concurrency: number | { concurrency: number }]>('setConcurrency');

/** Parent to partition: pause or resume, and the partition's share of the job's concurrency. */
export const partitionControlSignal = defineSignal<[PartitionControl]>('partitionControl');
export interface PartitionControl {
  paused: boolean;
  concurrency: number;
}

/** Partition to parent: its counts so far, sent at most every `progressReportSeconds` of its input. */
export const partitionReportSignal = defineSignal<[RunningPartition]>('partitionReport');
