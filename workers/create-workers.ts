import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createPlanningActivities, createScoringActivities } from '../activities/index.js';
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
): Promise<BatchScoreWorkers> {
  const models = new ModelCache(storageFor, { intraOpThreads: options.ortThreads });
  const deps = { storageFor, models };
  const workers: Worker[] = [];
  if (options.roles.planning) {
    workers.push(
      await Worker.create({
        connection,
        namespace,
        taskQueue: options.taskQueue,
        ...workflowSource(),
        activities: createPlanningActivities(deps),
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
        activities: createScoringActivities(deps),
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

/** A prebuilt bundle (made at image build time by `npm run bundle`) when present; otherwise bundle now. */
function workflowSource(): { workflowBundle: { codePath: string } } | { workflowsPath: string } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const bundle = path.resolve(here, '..', 'workflow-bundle.js');
  if (existsSync(bundle) && !process.env.BATCH_SCORE_NO_PREBUILT_BUNDLE) return { workflowBundle: { codePath: bundle } };
  const compiled = path.resolve(here, '..', 'workflows', 'index.js');
  if (existsSync(compiled)) return { workflowsPath: compiled };
  // Running from source (vitest): use the compiled workflows, which `npm test` builds first.
  return { workflowsPath: path.resolve(here, '..', 'dist', 'workflows', 'index.js') };
}
