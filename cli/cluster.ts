import { BatchScoreClient } from '../client/index.js';
import { clusterFromEnv, reachCluster } from '../temporal/connection.js';
import { DEFAULT_TASK_QUEUE } from '../workflows/task-queues.js';

/** Where `job` and `schedule` commands look for the cluster, for messages. */
export function clusterAddress(): string {
  return clusterFromEnv()?.address ?? '127.0.0.1:7233';
}

/**
 * A client for an existing cluster: TEMPORAL_ADDRESS (and the other TEMPORAL_* variables), or the
 * `batch-score server` dev server on 127.0.0.1:7233. Jobs and schedules outlive one command, so these
 * commands never start a throwaway server of their own.
 */
export async function connectToCluster(taskQueue?: string): Promise<BatchScoreClient> {
  const address = clusterAddress();
  return reachCluster(address, () =>
    BatchScoreClient.connect({
      address: clusterFromEnv() ? undefined : address,
      taskQueue: taskQueue ?? process.env.BATCH_SCORE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    }),
  );
}
