/**
 * Patch ids (workflow.patched) of changes that add commands to a workflow's history. Runs recorded
 * before a patch replay without its commands, so jobs in flight survive a deploy (test/unit/replay.test.ts
 * replays recorded histories of each version). Remove a patch with deprecatePatch once no run from before it is left.
 */
/** Search attributes, live control (pause, resume, setConcurrency) and concurrency shares per partition. */
export const JOB_CONTROL_PATCH = 'job-control';
export const PROGRESS_REPORTS_PATCH = 'partition-progress-reports';
/** Small consecutive shards scored in batches by one activity (scoreShards). */
export const SHARD_BATCHES_PATCH = 'shard-batches';
/** A workflow task schedules at most SCHEDULE_BYTES_PER_TASK of activity input; past it, a 1 ms timer starts a new task. */
export const SCHEDULE_BUDGET_PATCH = 'schedule-budget';
