import {
  ActivityCancellationType,
  proxyActivities,
  workflowInfo,
  type RetryPolicy,
} from '@temporalio/workflow';
import type { PlanningActivities, ScoringActivities } from '../activities/index.js';
import { NON_RETRYABLE_ERROR_TYPES } from '../domain/errors.js';
import { scoringTaskQueue } from './task-queues.js';

const retry: RetryPolicy = {
  maximumAttempts: 5,
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  nonRetryableErrorTypes: [...NON_RETRYABLE_ERROR_TYPES],
};

/** Planning and bookkeeping activities, on the workflow's own task queue. */
export function planningActivities() {
  return proxyActivities<PlanningActivities>({ startToCloseTimeout: '30 minutes', retry });
}

/**
 * The scoring activity, on the scoring pool's queue. Cancellation waits for the attempt to stop and clean
 * its temporary part, so a cancelled job leaves nothing half-written behind.
 */
export function scoringActivities(heartbeatTimeoutSeconds: number) {
  return proxyActivities<ScoringActivities>({
    taskQueue: scoringTaskQueue(workflowInfo().taskQueue),
    startToCloseTimeout: '4 hours',
    heartbeatTimeout: `${heartbeatTimeoutSeconds} seconds`,
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry,
  });
}
