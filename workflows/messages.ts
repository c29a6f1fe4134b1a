import { defineQuery } from '@temporalio/workflow';
import type { JobProgress } from '../domain/job.js';

/**
 * Live progress of a job. Counts cover finished partitions plus the parent's view; `runningPartitions`
 * names the child workflows whose own `partitionProgress` the client adds for an exact live figure.
 */
export const progressQuery = defineQuery<JobProgress & { runningPartitions: string[] }>('progress');

export interface PartitionProgress {
  shardsDone: number;
  shardsFailed: number;
  rowsScored: number;
}

/** Live counts of one partition (a child workflow). */
export const partitionProgressQuery = defineQuery<PartitionProgress>('partitionProgress');
