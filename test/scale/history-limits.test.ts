import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanningActivities, ScoringActivities } from '../../activities/index.js';
import type { ScoreShardResult } from '../../domain/job.js';
import { planShards } from '../../domain/shard-plan.js';
import { PARTITION_SHARDS } from '../../workflows/score-job.js';
import type { DevServer } from '../../temporal/dev-server.js';
import { tempDir } from '../helpers/paths.js';
import { startTestServer, startTestWorkers, type TestWorkers } from '../helpers/temporal.js';

/**
 * A large plan run through the real workflows on a real dev server, with a no-op scorer: the orchestration
 * alone. The largest history any workflow of the job reaches must stay far below Temporal's limits (51,200
 * events, 50 MB), and the scheduling must not stall.
 *
 * CI runs 2,500 shards (5 partitions): the dev server on 2 cores completes about 40 no-op activities a
 * second, so 100,000 shards take about 45 minutes. SCALE_SHARDS=100500 runs the full size. A partition's
 * history is bounded by PARTITION_SHARDS whatever the job size; the parent's grows by about 7 events per
 * partition, so the events asserted per partition here bound a 1,000,000-shard parent too.
 */
const SHARDS = Number(process.env.SCALE_SHARDS ?? 2_500);
const FILES = Array.from({ length: Math.ceil(SHARDS / 500) }, (_, i) => ({
  uri: `/synthetic/part-${i}.parquet`,
  rowGroupRows: Array<number>(500).fill(10),
  bytes: 1,
}));
const PLAN = planShards(FILES, 10);
const MODEL = { folder: '/synthetic/model', name: 'noop', version: '1', sha256: '0'.repeat(64) };

const planning = {
  planJob: async () => ({
    planUri: '/synthetic/plan.json',
    files: FILES.length,
    shards: PLAN.length,
    rows: PLAN.length * 10,
    model: MODEL,
    idColumns: [],
    features: ['x'],
  }),
  loadShards: async ({ start, count }: { start: number; count: number }) => PLAN.slice(start, start + count),
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
    rowsIn: PLAN.length * 10,
    rowsScored: PLAN.length * 10,
    rowsFailed: 0,
    rowsNotScored: 0,
    parts: PLAN.length,
  }),
} as unknown as PlanningActivities;

const scoring = {
  scoreShard: async ({ shard }: { shard: { shardId: string; rows: number } }): Promise<ScoreShardResult> => ({
    shardId: shard.shardId,
    rows: shard.rows,
    partUri: '',
    partBytes: 0,
    partSha256: '',
    stats: { x: { count: shard.rows, nulls: 0, nans: 0, infinities: 0, mean: 1, m2: 0, min: 1, max: 1 } },
    reused: false,
    millis: { read: 0, infer: 0, write: 0, total: 0 },
  }),
} as unknown as ScoringActivities;

let server: DevServer;
let env: TestWorkers;

beforeAll(async () => {
  server = await startTestServer();
  env = await startTestWorkers(server, { scoringSlots: 400, planningSlots: 8 }, { planning, scoring });
});

afterAll(async () => {
  await env?.stop();
  await server?.stop();
});

describe(`a plan of ${SHARDS.toLocaleString('en-US')} shards`, () => {
  it('completes with every workflow history far under the limits', async () => {
    expect(PLAN.length).toBe(SHARDS);
    const job = await env.client.startJob({
      input: '/synthetic',
      model: MODEL.folder,
      output: tempDir('scale'),
      concurrency: 400,
    });
    const summary = await job.result();
    expect(summary.shards).toEqual({ planned: SHARDS, done: SHARDS, failed: 0 });
    expect(summary.rowsScored).toBe(SHARDS * 10);
    console.log(
      `largest history: ${summary.largestHistory.events} events, ${summary.largestHistory.bytes} bytes`,
    );
    expect(summary.largestHistory.events).toBeLessThan(51_200 / 4);
    expect(summary.largestHistory.bytes).toBeLessThan((50 * 1024 * 1024) / 10);
    const parent = await job.workflow.describe();
    const partitions = Math.ceil(SHARDS / PARTITION_SHARDS);
    console.log(`parent history: ${parent.historyLength} events for ${partitions} partitions`);
    // Extrapolated to 1,000,000 shards (2,000 partitions), the parent must still fit with room to spare.
    expect((parent.historyLength / partitions) * 2_000).toBeLessThan(51_200 / 2);
  }, 900_000);
});
