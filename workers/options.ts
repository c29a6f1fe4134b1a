import os from 'node:os';
import type { Duration } from '@temporalio/common';
import { DEFAULT_TASK_QUEUE } from '../workflows/task-queues.js';

/**
 * Every worker knob with its default, compiled once from the environment at the entry point.
 *
 * | variable | default | meaning |
 * |---|---|---|
 * | BATCH_SCORE_TASK_QUEUE | batch-score | workflow + planning queue; scoring uses `<queue>-scoring` |
 * | BATCH_SCORE_SCORING_SLOTS | min(cores, 4) | shards scored at once by this worker |
 * | BATCH_SCORE_PLANNING_SLOTS | 4 | planning/bookkeeping activities at once |
 * | BATCH_SCORE_ORT_THREADS | cores / scoring slots, at least 1 | ONNX Runtime intra-op threads per session |
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
  const cores = os.availableParallelism();
  const scoringSlots = positiveInt(env, 'BATCH_SCORE_SCORING_SLOTS', defaultScoringSlots(cores));
  return {
    taskQueue: env.BATCH_SCORE_TASK_QUEUE ?? DEFAULT_TASK_QUEUE,
    scoringSlots,
    planningSlots: positiveInt(env, 'BATCH_SCORE_PLANNING_SLOTS', 4),
    ortThreads: positiveInt(env, 'BATCH_SCORE_ORT_THREADS', defaultOrtThreads(cores, scoringSlots)),
    shutdownGraceTime: (env.BATCH_SCORE_SHUTDOWN_GRACE ?? '30s') as Duration,
    rowGroupDelayMs: nonNegativeInt(env, 'BATCH_SCORE_ROW_GROUP_DELAY_MS', 0),
    roles: { planning: roles.includes('planning'), scoring: roles.includes('scoring') },
    ...overrides,
  };
}

/**
 * The environment a worker process should start with. glibc's malloc raises its mmap threshold each time a
 * large block is freed; after that the ~1 MB column buffers and output tensors come from the heap, and the
 * heap does not give freed ones back, so a worker's RSS ran about 55 MB above what it used (393 MB against
 * 337 MB over the bench's 10M rows: docs/performance.md, memory). A fixed threshold keeps them mmapped. It
 * takes effect only at process start: the Dockerfile sets it, and the bench starts its workers with it.
 */
export const WORKER_PROCESS_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' } as const;

/**
 * Shards one process scores at once, each with its model on an inference thread of its own. One ORT thread
 * per shard is the most work per core (a tree ensemble scales worse over intra-op threads than over shards:
 * docs/performance.md, session options), and every shard's reading, statistics and encoding run on the one
 * JS thread meanwhile. That JS work is about 40 % of the model's, so one process keeps 2-3 shards fed: on
 * machines with more than 2 cores, one worker process per 2 cores beats one process with more slots (the
 * default stays up to 4, so a single worker started by hand still uses every core).
 */
export const MAX_SCORING_SLOTS = 4;

export function defaultScoringSlots(cores: number): number {
  return Math.max(1, Math.min(cores, MAX_SCORING_SLOTS));
}

/** The cores left to each scoring slot: 1 up to MAX_SCORING_SLOTS cores, then cores / slots. */
export function defaultOrtThreads(cores: number, scoringSlots: number): number {
  return Math.max(1, Math.floor(cores / scoringSlots));
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
