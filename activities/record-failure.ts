import type { RecordShardFailureInput } from '../domain/job.js';
import type { Storage } from '../storage/index.js';
import { outputLayout } from './output-layout.js';

/** Writes <output>/errors/<shardId>.json: the shard, its file, row-group range and the error. */
export async function recordShardFailure(
  storageFor: (uri: string) => Storage,
  input: RecordShardFailureInput,
): Promise<void> {
  const storage = storageFor(input.output);
  const layout = outputLayout(storage, input.output);
  await storage.writeAll(
    layout.shardError(input.failure.shardId),
    JSON.stringify({ jobId: input.jobId, ...input.failure }, null, 2),
  );
}
