import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTITION_SHARDS } from '../../workflows/score-job.js';
import type { DevServer } from '../../temporal/dev-server.js';
import { tempDir } from '../helpers/paths.js';
import { startTestServer, startTestWorkers, type TestWorkers } from '../helpers/temporal.js';
import { NOOP_MODEL, NOOP_SHARD_ROWS, noopActivities } from './noop-activities.js';

/**
 * A large plan run through the real workflows on a real dev server, with a no-op scorer: the orchestration
 * alone. The largest history any workflow of the job reaches must stay far below Temporal's limits (51,200
 * events, 50 MB), and the scheduling must not stall.
 *
 * Two runs. (1) 2,500 shards (3 partitions) of one activity each (the job's shardRows equals the shard
 * size, so nothing is batched): a partition's history is bounded by PARTITION_SHARDS whatever the job size,
 * and the parent's grows by about 7 events per partition, so the figures asserted here bound a
 * 1,000,000-shard job too. The dev server on 2 cores completes about 40 no-op activities a second, which
 * is why this run is not 100,000 shards of one activity each (45 minutes). (2) 100,500 small shards
 * (101 partitions), batched 100 to an activity as a job of small files is: the whole plan completes.
 * SCALE_SHARDS sets the size of run (1).
 */
const SHARDS = Number(process.env.SCALE_SHARDS ?? 2_500);
const LARGE = 100_500;

let server: DevServer;
let single: TestWorkers;
let batched: TestWorkers;

beforeAll(async () => {
  server = await startTestServer();
  const options = { scoringSlots: 400, planningSlots: 8 };
  single = await startTestWorkers(server, options, noopActivities(SHARDS));
  batched = await startTestWorkers(server, options, noopActivities(LARGE));
});

afterAll(async () => {
  await batched?.stop();
  await single?.stop();
  await server?.stop();
});

describe(`a plan of ${SHARDS.toLocaleString('en-US')} shards`, () => {
  it('completes with every workflow history far under the limits', async () => {
    const job = await single.client.startJob({
      input: '/synthetic',
      model: NOOP_MODEL.folder,
      output: tempDir('scale'),
      concurrency: 400,
      shardRows: NOOP_SHARD_ROWS, // one shard per activity
    });
    const summary = await job.result();
    expect(summary.shards).toEqual({ planned: SHARDS, done: SHARDS, failed: 0 });
    expect(summary.rowsScored).toBe(SHARDS * NOOP_SHARD_ROWS);
    console.log(
      `largest history: ${summary.largestHistory.events} events, ${summary.largestHistory.bytes} bytes`,
    );
    expect(summary.largestHistory.events).toBeLessThan(51_200 / 4);
    expect(summary.largestHistory.bytes).toBeLessThan((50 * 1024 * 1024) / 10);
    const parent = await job.workflow.describe();
    const partitions = Math.ceil(SHARDS / PARTITION_SHARDS);
    // The parent's history: a fixed part (start, planning, finalizing), the partitions' progress reports
    // (4 events each: the signal and a workflow task; they stop once the history passes 8,000 events, see
    // progressReportSeconds) and the part that grows with the partitions, measured from the first child's
    // start to the last child's completion.
    const events = (await job.workflow.fetchHistory()).events ?? [];
    const ids = (pick: (e: (typeof events)[number]) => unknown) =>
      events.filter((e) => pick(e) !== undefined && pick(e) !== null).map((e) => Number(e.eventId));
    const firstChild = Math.min(...ids((e) => e.startChildWorkflowExecutionInitiatedEventAttributes));
    const lastChild = Math.max(...ids((e) => e.childWorkflowExecutionCompletedEventAttributes));
    const reportsBetween = ids((e) =>
      e.workflowExecutionSignaledEventAttributes?.signalName === 'partitionReport' ? true : undefined,
    ).filter((id) => id > firstChild && id < lastChild).length;
    const fixed = parent.historyLength - (lastChild - firstChild + 1);
    const perPartition = (lastChild - firstChild + 1 - 4 * reportsBetween) / partitions;
    console.log(
      `parent history: ${parent.historyLength} events for ${partitions} partitions: ${fixed} fixed, ${reportsBetween} progress reports, ${perPartition.toFixed(1)} per partition`,
    );
    // Extrapolated to 1,000,000 shards, with the reports' 8,000-event allowance, the parent must still fit
    // with room to spare.
    const million = fixed + perPartition * (1_000_000 / PARTITION_SHARDS) + 8_000;
    console.log(`a 1,000,000-shard parent: about ${Math.round(million)} events`);
    expect(million).toBeLessThan(51_200 / 2);
  }, 900_000);

  it(`a plan of ${LARGE.toLocaleString('en-US')} small shards, batched, completes far under the limits`, async () => {
    const job = await batched.client.startJob({
      input: '/synthetic',
      model: NOOP_MODEL.folder,
      output: tempDir('scale-large'),
      concurrency: 400,
    });
    const summary = await job.result();
    expect(summary.shards).toEqual({ planned: LARGE, done: LARGE, failed: 0 });
    expect(summary.rowsScored).toBe(LARGE * NOOP_SHARD_ROWS);
    console.log(
      `${LARGE} shards: largest history ${summary.largestHistory.events} events, ${summary.largestHistory.bytes} bytes`,
    );
    expect(summary.largestHistory.events).toBeLessThan(51_200 / 4);
    expect(summary.largestHistory.bytes).toBeLessThan((50 * 1024 * 1024) / 10);
  }, 900_000);
});
