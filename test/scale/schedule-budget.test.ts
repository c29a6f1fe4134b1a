import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { temporal } from '@temporalio/proto';
import type { DevServer } from '../../temporal/dev-server.js';
import { SCHEDULE_BYTES_PER_TASK } from '../../workflows/score-partition.js';
import { startTestServer, startTestWorkers, type TestWorkers } from '../helpers/temporal.js';
import { NOOP_MODEL, NOOP_SHARD_ROWS, noopActivities } from './noop-activities.js';

/**
 * The trap: a workflow task that schedules hundreds of activities sends all their inputs in one request,
 * and the server refuses a request over 4 MB; the task fails and is retried forever, and the job stalls
 * without an error. Here every scoring input repeats a 12,000-character output path, so one page of 500
 * shards scheduled at once (concurrency 10,000) would be 6 MB (the dev server terminates such a run with
 * GrpcMessageTooLarge). The partition must spread them over several
 * workflow tasks, each under SCHEDULE_BYTES_PER_TASK, and the job must complete.
 */
const SHARDS = 600;
const LONG_OUTPUT = `/synthetic/${'o'.repeat(12_000)}`;

let server: DevServer;
let workers: TestWorkers;

beforeAll(async () => {
  server = await startTestServer();
  workers = await startTestWorkers(server, { scoringSlots: 200, planningSlots: 4 }, noopActivities(SHARDS));
});

afterAll(async () => {
  await workers?.stop();
  await server?.stop();
});

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Bytes of activity input each workflow task of a history scheduled, by the task's completion event. */
function scheduledBytesPerTask(events: HistoryEvent[]): Map<number, { activities: number; bytes: number }> {
  const perTask = new Map<number, { activities: number; bytes: number }>();
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (!scheduled) continue;
    const task = Number(scheduled.workflowTaskCompletedEventId);
    const entry = perTask.get(task) ?? { activities: 0, bytes: 0 };
    entry.activities++;
    for (const payload of scheduled.input?.payloads ?? []) entry.bytes += payload.data?.length ?? 0;
    perTask.set(task, entry);
  }
  return perTask;
}

/** A history read 100 events at a time: a default page of these events is itself over gRPC's 4 MB. */
async function historyOf(workflowId: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await workers.client.client.workflowService.getWorkflowExecutionHistory({
      namespace: server.namespace,
      execution: { workflowId },
      maximumPageSize: 100,
      nextPageToken,
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return events;
}

describe('scheduling many large activity inputs', () => {
  it('spreads them over workflow tasks under the budget, and the job completes', async () => {
    const job = await workers.client.startJob({
      input: '/synthetic',
      model: NOOP_MODEL.folder,
      output: LONG_OUTPUT,
      concurrency: 10_000,
      shardRows: NOOP_SHARD_ROWS, // one shard per activity
    });
    const summary = await job.result();
    expect(summary.shards).toEqual({ planned: SHARDS, done: SHARDS, failed: 0 });

    const parent = (await job.workflow.fetchHistory()).events ?? [];
    const children = parent
      .map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId)
      .filter((id): id is string => typeof id === 'string');
    expect(children).toHaveLength(1);
    const perTask = scheduledBytesPerTask(await historyOf(children[0]!));
    const scoring = [...perTask.values()].filter((t) => t.bytes > 0);
    const activities = scoring.reduce((n, t) => n + t.activities, 0);
    // The scoring activities plus the two page loads.
    expect(activities).toBe(SHARDS + 2);
    const largest = Math.max(...scoring.map((t) => t.bytes));
    console.log(
      `${scoring.length} workflow tasks scheduled ${activities} activities; the largest carried ${largest} bytes of input`,
    );
    // One input is about 12 KB; a task may pass the budget by the one that did not fit.
    expect(largest).toBeLessThanOrEqual(SCHEDULE_BYTES_PER_TASK + 16_000);
    expect(largest).toBeLessThan(4 * 1024 * 1024);
    expect(scoring.length).toBeGreaterThanOrEqual(Math.ceil((SHARDS * 12_000) / SCHEDULE_BYTES_PER_TASK));
  }, 300_000);
});
