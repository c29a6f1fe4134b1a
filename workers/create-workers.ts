import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { msToNumber } from '@temporalio/common/lib/time.js';
import type { NativeConnection } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import {
  createPlanningActivities,
  createScoringActivities,
  type PlanningActivities,
  type ScoringActivities,
} from '../activities/index.js';
import { ModelCache } from '../inference/model-cache.js';
import { storageFor } from '../storage/index.js';
import { scoringTaskQueue } from '../workflows/task-queues.js';
import type { WorkerOptions } from './options.js';

export interface BatchScoreWorkers {
  workers: Worker[];
  /**
   * Runs every worker until shutdown; resolves when all have stopped. Rejects with the SDK's
   * GracefulShutdownPeriodExpiredError when running activities ignored the hand-back (see HANDBACK_MS).
   */
  run(): Promise<void>;
  /**
   * Graceful drain: stop polling at once, give running activities the shutdown grace to finish, then cancel
   * them with reason WORKER_SHUTDOWN so each attempt fails, cleans up, and Temporal retries it elsewhere.
   */
  shutdown(): void;
  /** The shutdown grace in milliseconds. */
  graceMs: number;
}

/**
 * After the grace, cancelled activities get this long to stop and remove their temporary parts (a shard
 * notices between row groups) before the worker gives up on them; an attempt abandoned then is retried
 * once its heartbeat times out.
 */
export const HANDBACK_MS = 30_000;

/**
 * The worker pools of one process: the orchestration pool (workflows and planning activities) and the
 * scoring pool, each on its own task queue, sharing one model cache.
 */
export async function createWorkers(
  connection: NativeConnection,
  namespace: string,
  options: WorkerOptions,
  /** Replacement activities, for tests that exercise orchestration alone (e.g. a no-op scorer). */
  overrides: { planning?: PlanningActivities; scoring?: ScoringActivities } = {},
): Promise<BatchScoreWorkers> {
  const models = new ModelCache(storageFor, {
    threads: options.scoringSlots,
    intraOpThreads: options.ortThreads,
  });
  const deps = { storageFor, models, rowGroupDelayMs: options.rowGroupDelayMs };
  const workers: Worker[] = [];
  const graceMs = msToNumber(options.shutdownGraceTime);
  const shutdown = { shutdownGraceTime: graceMs, shutdownForceTime: graceMs + HANDBACK_MS };
  if (options.roles.planning) {
    workers.push(
      await Worker.create({
        connection,
        namespace,
        taskQueue: options.taskQueue,
        ...workflowSource(),
        activities: overrides.planning ?? createPlanningActivities(deps),
        maxConcurrentActivityTaskExecutions: options.planningSlots,
        ...shutdown,
      }),
    );
  }
  if (options.roles.scoring) {
    workers.push(
      await Worker.create({
        connection,
        namespace,
        taskQueue: scoringTaskQueue(options.taskQueue),
        activities: overrides.scoring ?? createScoringActivities(deps),
        maxConcurrentActivityTaskExecutions: options.scoringSlots,
        ...shutdown,
      }),
    );
  }
  return {
    workers,
    run: async () => {
      try {
        await Promise.all(workers.map((w) => w.run()));
      } finally {
        await models.dispose();
      }
    },
    shutdown: () => {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    },
    graceMs,
  };
}

/**
 * The prebuilt bundle named by BATCH_SCORE_WORKFLOW_BUNDLE (the image sets it after `npm run bundle`);
 * otherwise bundle the compiled workflows now. Opt-in, so a stale bundle never hides a code change.
 */
function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const bundle = process.env.BATCH_SCORE_WORKFLOW_BUNDLE;
  if (bundle) {
    if (!existsSync(bundle))
      throw new Error(`BATCH_SCORE_WORKFLOW_BUNDLE=${bundle} does not exist (run npm run bundle)`);
    return { workflowBundle: { codePath: bundle } };
  }
  const here = path.dirname(fileURLToPath(import.meta.url));
  const compiled = path.resolve(here, '..', 'workflows', 'index.js');
  if (existsSync(compiled)) return { workflowsPath: compiled };
  // Running from source (vitest): use the compiled workflows, which `npm test` builds first.
  return { workflowsPath: path.resolve(here, '..', 'dist', 'workflows', 'index.js') };
}
