import { BatchScoreError } from '../domain/errors.js';
import type {
  FailedShard,
  RecordShardFailureInput,
  ScoreShardInput,
  ScoreShardResult,
  ScoreShardsInput,
  ScoreShardsResult,
} from '../domain/job.js';
import { mergeStats, type StatsByColumn } from '../domain/stats.js';
import type { ShardHooks } from './score-shard.js';

export interface BatchSteps {
  scoreShard(input: ScoreShardInput, hooks: ShardHooks): Promise<ScoreShardResult>;
  recordShardFailure(input: RecordShardFailureInput): Promise<void>;
}

/**
 * Scores a run of small shards in one activity, one after another: many small files would otherwise cost
 * one activity (and six history events, and a round trip) each. A shard that fails for good (corrupt file,
 * schema) is recorded in errors/ and the batch goes on; a transient error fails the batch, whose retry
 * reuses every part already published. Returns counts and merged statistics only, so the result stays small
 * whatever the batch size.
 */
export async function scoreShards(
  steps: BatchSteps,
  input: ScoreShardsInput,
  hooks: ShardHooks,
): Promise<ScoreShardsResult> {
  let stats: StatsByColumn = {};
  let shardsDone = 0;
  let rowsScored = 0;
  let rowsFailed = 0;
  const failures: FailedShard[] = [];
  for (const shard of input.shards) {
    hooks.signal?.throwIfAborted();
    const before = rowsScored + rowsFailed;
    // Progress of the batch as a whole: the rows of the shards before this one plus this one's.
    const shardHooks: ShardHooks = {
      ...hooks,
      heartbeat: (progress) => hooks.heartbeat({ ...progress, rowsDone: before + progress.rowsDone }),
    };
    try {
      const result = await steps.scoreShard({ ...input, shard }, shardHooks);
      stats = mergeStats(stats, result.stats);
      shardsDone++;
      rowsScored += result.rows;
    } catch (error) {
      if (!(error instanceof BatchScoreError) || error.retryable) throw error;
      const failure: FailedShard = {
        shardId: shard.shardId,
        fileUri: shard.fileUri,
        rowGroupStart: shard.rowGroupStart,
        rowGroupEnd: shard.rowGroupEnd,
        rows: shard.rows,
        errorType: error.name,
        message: error.message,
      };
      await steps.recordShardFailure({ jobId: input.jobId, output: input.output, failure });
      failures.push(failure);
      rowsFailed += shard.rows;
    }
    hooks.heartbeat({ rowGroupsDone: 0, rowsDone: rowsScored + rowsFailed });
  }
  return { shardsDone, rowsScored, rowsFailed, failures, stats };
}
