import type {
  FinalizeJobInput,
  LoadShardsInput,
  PlanJobInput,
  RecordShardFailureInput,
  ScoreShardInput,
  ScoreShardsInput,
} from '../domain/job.js';
import type { ModelCache } from '../inference/model-cache.js';
import type { Storage } from '../storage/index.js';
import { withFailureConversion } from './failures.js';
import { finalizeJob } from './finalize-job.js';
import { loadShards, planJob, SHARD_PAGE_BYTES } from './plan-job.js';
import { recordShardFailure } from './record-failure.js';
import { scoreShard, temporalHooks } from './score-shard.js';
import { scoreShards } from './score-shards.js';

export interface ActivityDeps {
  storageFor: (uri: string) => Storage;
  models: ModelCache;
  /** Testing only: pause after each row group (fault-injection tests). */
  rowGroupDelayMs?: number;
}

/** Planning and bookkeeping activities: listing, footers, plan pages, manifest and reports. */
export function createPlanningActivities({ storageFor, models }: ActivityDeps) {
  return withFailureConversion({
    planJob: (input: PlanJobInput) => planJob(storageFor, models, input),
    loadShards: (input: LoadShardsInput) =>
      loadShards(storageFor(input.output), input.output, input.start, input.count, SHARD_PAGE_BYTES),
    finalizeJob: (input: FinalizeJobInput) => finalizeJob(storageFor, models, input),
    recordShardFailure: (input: RecordShardFailureInput) => recordShardFailure(storageFor, input),
  });
}

/** The CPU-heavy activity, on its own task queue so scoring workers scale apart from planning. */
export function createScoringActivities({ storageFor, models, rowGroupDelayMs = 0 }: ActivityDeps) {
  return withFailureConversion({
    scoreShard: (input: ScoreShardInput) =>
      scoreShard(storageFor, models, input, temporalHooks(rowGroupDelayMs)),
    scoreShards: (input: ScoreShardsInput) =>
      scoreShards(
        {
          scoreShard: (shardInput, hooks) => scoreShard(storageFor, models, shardInput, hooks),
          recordShardFailure: (failure) => recordShardFailure(storageFor, failure),
        },
        input,
        temporalHooks(rowGroupDelayMs),
      ),
  });
}

export type PlanningActivities = ReturnType<typeof createPlanningActivities>;
export type ScoringActivities = ReturnType<typeof createScoringActivities>;
