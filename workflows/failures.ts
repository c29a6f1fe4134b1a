import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { FailedShard } from '../domain/job.js';
import type { Shard } from '../domain/shard-plan.js';

/** A shard's final failure, unwrapped from Temporal's ActivityFailure to the typed error inside. */
export function describeFailure(shard: Shard, error: unknown): FailedShard {
  let cause = error;
  if (cause instanceof ActivityFailure && cause.cause) cause = cause.cause;
  const errorType =
    cause instanceof ApplicationFailure && cause.type
      ? cause.type
      : cause instanceof Error
        ? cause.name
        : 'Error';
  return {
    shardId: shard.shardId,
    fileUri: shard.fileUri,
    rowGroupStart: shard.rowGroupStart,
    rowGroupEnd: shard.rowGroupEnd,
    rows: shard.rows,
    errorType,
    message: cause instanceof Error ? cause.message : String(cause),
  };
}

/** One line per failed shard, for messages people read. */
export function listFailures(failures: readonly FailedShard[], total: number): string {
  const lines = failures.map(
    (f) =>
      `  - shard ${f.shardId} (${f.fileUri}, row groups [${f.rowGroupStart}, ${f.rowGroupEnd})): ${f.errorType}: ${f.message}`,
  );
  if (total > failures.length) lines.push(`  - and ${total - failures.length} more (see errors/)`);
  return lines.join('\n');
}
