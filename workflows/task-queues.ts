/**
 * A job's workflow and planning activities run on the task queue the job was started on; scoring runs on a
 * queue derived from it, so scoring workers form their own pool and scale apart.
 */
export function scoringTaskQueue(taskQueue: string): string {
  return `${taskQueue}-scoring`;
}

export const DEFAULT_TASK_QUEUE = 'batch-score';
