import type { PlanningActivities, ScoringActivities } from '../../activities/index.js';
import type { ScoreShardResult, ScoreShardsResult } from '../../domain/job.js';
import { SHARD_PAGE_BYTES, withinBytes } from '../../activities/plan-job.js';
import { planShards } from '../../domain/shard-plan.js';

/** Rows per synthetic shard: a job with this shardRows scores one shard per activity (no batches). */
export const NOOP_SHARD_ROWS = 10;

export const NOOP_MODEL = { folder: '/synthetic/model', name: 'noop', version: '1', sha256: '0'.repeat(64) };

/**
 * Planning and scoring activities that do no I/O: a synthetic plan of `shards` shards of NOOP_SHARD_ROWS rows
 * (files of 500 one-row-group shards) and a scorer (one shard or a batch) that returns at once. What is left is the orchestration alone:
 * the workflows, the dev server and the workers' task handling.
 */
export function noopActivities(
  shards: number,
  options: { uriPrefix?: string } = {},
): { planning: PlanningActivities; scoring: ScoringActivities } {
  const prefix = options.uriPrefix ?? '/synthetic';
  const files = Array.from({ length: Math.ceil(shards / 500) }, (_, i) => ({
    uri: `${prefix}/part-${i}.parquet`,
    rowGroupRows: Array<number>(Math.min(500, shards - i * 500)).fill(NOOP_SHARD_ROWS),
    bytes: 1,
  }));
  const plan = planShards(files, NOOP_SHARD_ROWS);
  const planning = {
    planJob: async () => ({
      planUri: '/synthetic/plan.json',
      files: files.length,
      shards: plan.length,
      rows: plan.length * NOOP_SHARD_ROWS,
      model: NOOP_MODEL,
      idColumns: [],
      features: ['x'],
    }),
    // Pages capped in bytes as the real activity caps them.
    loadShards: async ({ start, count }: { start: number; count: number }) =>
      withinBytes(plan.slice(start, start + count), SHARD_PAGE_BYTES),
    recordShardFailure: async () => undefined,
    finalizeJob: async (input: { stats: unknown }) => ({
      manifestUri: '/synthetic/manifest.json',
      driftReportUri: '/synthetic/drift/report.json',
      drift: {
        schemaVersion: 1,
        verdict: 'no_reference',
        driftedFeatures: [],
        shareDrifted: 0,
        thresholds: {},
        features: [],
        prediction: null,
        stats: input.stats,
      },
      rowsIn: plan.length * NOOP_SHARD_ROWS,
      rowsScored: plan.length * NOOP_SHARD_ROWS,
      rowsFailed: 0,
      rowsNotScored: 0,
      parts: plan.length,
    }),
  } as unknown as PlanningActivities;

  const scoring = {
    scoreShard: async ({
      shard,
    }: {
      shard: { shardId: string; rows: number };
    }): Promise<ScoreShardResult> => ({
      shardId: shard.shardId,
      rows: shard.rows,
      partUri: '',
      partBytes: 0,
      partSha256: '',
      stats: { x: { count: shard.rows, nulls: 0, nans: 0, infinities: 0, mean: 1, m2: 0, min: 1, max: 1 } },
      reused: false,
      millis: { read: 0, infer: 0, write: 0, total: 0 },
    }),
    scoreShards: async ({ shards: batch }: { shards: { rows: number }[] }): Promise<ScoreShardsResult> => {
      const rows = batch.reduce((sum, s) => sum + s.rows, 0);
      return {
        shardsDone: batch.length,
        rowsScored: rows,
        rowsFailed: 0,
        failures: [],
        stats: { x: { count: rows, nulls: 0, nans: 0, infinities: 0, mean: 1, m2: 0, min: 1, max: 1 } },
      };
    },
  } as unknown as ScoringActivities;
  return { planning, scoring };
}
