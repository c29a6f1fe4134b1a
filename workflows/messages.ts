import { defineQuery } from '@temporalio/workflow';
import type { JobProgress } from '../domain/job.js';

/** Live progress of a job: shards and rows planned, done and failed. */
export const progressQuery = defineQuery<JobProgress>('progress');
