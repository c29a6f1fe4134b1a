import os from 'node:os';
import type { Duration } from '@temporalio/common';
import { DEFAULT_TASK_QUEUE } from '../workflows/task-queues.js';

/**
 * Every worker knob with its default, compiled once from the environment at the entry point.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | BATCH_SCORE_TASK_QUEUE | batch-score | workflow + planning queue; scoring uses `<queue>-scoring` |
 * | BATCH_SCORE_SCORING_SLOTS | cores available | shards scored at once by this worker |
 * | BATCH_SCORE_PLANNING_SLOTS | 4 | planning/bookkeeping activities at once |
 * | BATCH_SCORE_ORT_THREADS | 1 | ONNX Runtime intra-op threads per session |
 * | BATCH_SCORE_SHUTDOWN_GRACE | 30s | time running shards get to finish on SIGTERM before they are handed back |
 * | BATCH_SCORE_ROLES | planning,scoring | which pools this process joins |
 * | BATCH_SCORE_ROW_GROUP_DELAY_MS | 0 | testing only: pause after each row group (fault-injection tests) |
 * | BATCH_SCORE_WORKFLOW_BUNDLE | (none) | prebuilt workflow bundle (npm run bundle); otherwise bundled at start |
 */
export interface WorkerOptions {
  taskQueue: string;
  scoringSlots: number;
  planningSlots: number;
  ortThreads: number;
  shutdownGraceTime: Duration;
  /** Testing only: pause after each row group, so fault-injection tests can act mid-shard. */
  rowGroupDelayMs: number;
  roles: { planning: boolean; scoring: boolean };
}

export function compileWorkerOptions(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<WorkerOptions> = {},
): WorkerOptions {
  const roles = (env.BATCH_SCORE_ROLES ?? 'planning,scoring').split(',').map((r) => r.trim());
  for (const role of roles) {
    if (role !== 'planning' && role !== 'scoring')
      throw new Error(`BATCH_SCORE_ROLES: unknown role "${role}" (planning, scoring)`);
  }
  return {
    taskQueue: env.BATCH_SCORE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    scoringSlots: positiveInt(env, 'BATCH_SCORE_SCORING_SLOTS', os.availableParallelism()),
    planningSlots: positiveInt(env, 'BATCH_SCORE_PLANNING_SLOTS', 4),
    ortThreads: positiveInt(env, 'BATCH_SCORE_ORT_THREADS', 1),
    shutdownGraceTime: (env.BATCH_SCORE_SHUTDOWN_GRACE ?? '30s') as Duration,
    rowGroupDelayMs: nonNegativeInt(env, 'BATCH_SCORE_ROW_GROUP_DELAY_MS', 0),
    roles: { planning: roles.includes('planning'), scoring: roles.includes('scoring') },
    ...overrides,
  };
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name}=${raw}: expected a positive whole number`);
  return value;
}

function nonNegativeInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}=${raw}: expected a whole number >= 0`);
  return value;
}
