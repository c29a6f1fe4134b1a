import { ReconciliationError } from '../domain/errors.js';
import type { FailedShard, JobStatus, ScoreShardResult } from '../domain/job.js';
import type { PlannedFile, Shard } from '../domain/shard-plan.js';

/** What became of one planned shard. */
export type ShardOutcome =
  | { shard: Shard; kind: 'scored'; record: ScoreShardResult }
  | { shard: Shard; kind: 'failed'; failure: FailedShard }
  | { shard: Shard; kind: 'not_scored' };

export interface FileAccount {
  uri: string;
  rowsIn: number;
  rowsScored: number;
  rowsFailed: number;
  rowsNotScored: number;
  parts: number;
}

export interface JobAccount {
  rowsIn: number;
  rowsScored: number;
  rowsFailed: number;
  rowsNotScored: number;
  files: FileAccount[];
}

/**
 * Rows in = rows scored + rows in failed shards (+ rows never reached, for a cancelled job), per file and in
 * total. Anything else, or an unfinished shard in a job that claims to have finished, fails closed.
 */
export function reconcile(
  jobId: string,
  status: Exclude<JobStatus, 'failed'>,
  files: PlannedFile[],
  outcomes: ShardOutcome[],
): JobAccount {
  const problems: string[] = [];
  const byFile = new Map(
    files.map((f) => [
      f.uri,
      { uri: f.uri, rowsIn: sum(f.rowGroupRows), rowsScored: 0, rowsFailed: 0, rowsNotScored: 0, parts: 0 },
    ]),
  );
  for (const outcome of outcomes) {
    const account = byFile.get(outcome.shard.fileUri);
    if (!account) {
      problems.push(
        `shard ${outcome.shard.shardId} names ${outcome.shard.fileUri}, which is not in the plan`,
      );
      continue;
    }
    if (outcome.kind === 'scored') {
      if (outcome.record.rows !== outcome.shard.rows) {
        problems.push(
          `shard ${outcome.shard.shardId} (${outcome.shard.fileUri}): ${outcome.shard.rows} rows in, ${outcome.record.rows} scored`,
        );
      }
      account.rowsScored += outcome.record.rows;
      account.parts++;
    } else if (outcome.kind === 'failed') account.rowsFailed += outcome.shard.rows;
    else {
      if (status !== 'cancelled')
        problems.push(
          `shard ${outcome.shard.shardId} (${outcome.shard.fileUri}) was neither scored nor failed`,
        );
      account.rowsNotScored += outcome.shard.rows;
    }
  }
  const accounts = [...byFile.values()];
  for (const a of accounts) {
    if (a.rowsIn !== a.rowsScored + a.rowsFailed + a.rowsNotScored) {
      problems.push(
        `${a.uri}: ${a.rowsIn} rows in, ${a.rowsScored} scored + ${a.rowsFailed} failed + ${a.rowsNotScored} not scored`,
      );
    }
  }
  const total = (key: 'rowsIn' | 'rowsScored' | 'rowsFailed' | 'rowsNotScored') =>
    accounts.reduce((n, a) => n + a[key], 0);
  if (problems.length > 0) {
    throw new ReconciliationError(
      `job ${jobId}: rows do not add up (rows in ${total('rowsIn')}, scored ${total('rowsScored')}, failed ${total('rowsFailed')}); no manifest written:\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
  }
  return {
    rowsIn: total('rowsIn'),
    rowsScored: total('rowsScored'),
    rowsFailed: total('rowsFailed'),
    rowsNotScored: total('rowsNotScored'),
    files: accounts,
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
