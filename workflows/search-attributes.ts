import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes every job carries, so the Web UI's list and `listJobs` can filter on them, e.g.
 * `BatchScoreModel = "ai4i-failure" AND BatchScoreStatus = "partial"`. The dev servers batch-score starts
 * register them; on another cluster `batch-score worker` registers any that are missing.
 */
export const DATASET = defineSearchAttributeKey('BatchScoreDataset', SearchAttributeType.KEYWORD);
export const MODEL = defineSearchAttributeKey('BatchScoreModel', SearchAttributeType.KEYWORD);
export const MODEL_VERSION = defineSearchAttributeKey('BatchScoreModelVersion', SearchAttributeType.KEYWORD);
export const STATUS = defineSearchAttributeKey('BatchScoreStatus', SearchAttributeType.KEYWORD);

/** Set by Temporal on runs a Schedule starts: the time the run was scheduled for. */
export const SCHEDULED_START_TIME = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

/** A job's life as BatchScoreStatus shows it. */
export type JobState =
  'planning' | 'scoring' | 'paused' | 'finalizing' | 'completed' | 'partial' | 'failed' | 'cancelled';

/** Name and type of each, as `temporal server start-dev --search-attribute Name=Type` takes them. */
export const JOB_SEARCH_ATTRIBUTES = {
  [DATASET.name]: 'Keyword',
  [MODEL.name]: 'Keyword',
  [MODEL_VERSION.name]: 'Keyword',
  [STATUS.name]: 'Keyword',
} as const;
