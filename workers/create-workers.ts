import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  /** Runs every worker until shutdown; resolves when all have stopped. */
  run(): Promise<void>;
  shutdown(): void;
}

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
  const models = new ModelCache(storageFor, { intraOpThreads: options.ortThreads });
  const deps = { storageFor, models, rowGroupDelayMs: options.rowGroupDelayMs };
  const workers: Worker[] = [];
  if (options.roles.planning) {
    workers.push(
      await Worker.create({
        connection,
        namespace,
        taskQueue: options.taskQueue,
        ...workflowSource(),
        activities: overrides.planning ?? createPlanningActivities(deps),
        maxConcurrentActivityTaskExecutions: options.planningSlots,
        shutdownGraceTime: options.shutdownGraceTime,
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
        shutdownGraceTime: options.shutdownGraceTime,
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
