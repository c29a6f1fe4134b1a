import { existsSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import {
  InvalidControlError,
  JobFailedError,
  JobNotFoundError,
  JobNotRunningError,
  WORKFLOW_TYPE,
} from '../../client/index.js';
import { DATASET, MODEL, MODEL_VERSION, STATUS } from '../../workflows/search-attributes.js';
import { AI4I_MODEL, AI4I_PARQUET, tempDir } from '../helpers/paths.js';
import { useTestTemporal } from '../helpers/temporal.js';

/**
 * Live control and the ways in, on a real dev server: pause, resume and setConcurrency measured in the
 * partition's own history; a JSON start as the Web UI makes it; search attributes; listJobs.
 */
type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

const t = useTestTemporal({ rowGroupDelayMs: 250, scoringSlots: 4 });

/** 4 files of row groups 1000/1000/500 rows; shards of one row group each: 12 shards. */
const SHARDS = 12;

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Scoring activities scheduled while `limit` others were still open, per event index. */
function scoringOverlap(events: HistoryEvent[]): { eventId: number; open: number }[] {
  const open = new Set<string>();
  const seen: { eventId: number; open: number }[] = [];
  for (const event of events) {
    const id = String(event.eventId);
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'scoreShard') {
      open.add(id);
      seen.push({ eventId: Number(event.eventId), open: open.size });
    }
    const closed =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes ??
      event.activityTaskCanceledEventAttributes;
    if (closed) open.delete(String(closed.scheduledEventId));
  }
  return seen;
}

function controlSignals(events: HistoryEvent[]) {
  return events
    .filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'partitionControl')
    .map((e) => Number(e.eventId));
}

describe('live control', () => {
  it('pause stops new shards, setConcurrency(1) then resume scores one at a time, and the job completes', async () => {
    const output = tempDir('control');
    const job = await t.env.client.startJob(
      { input: AI4I_PARQUET, model: AI4I_MODEL, output, shardRows: 500, concurrency: 3 },
      { jobId: `control-${Date.now()}` },
    );
    await until(async () => (await job.progress()).shardsDone >= 2 || undefined, 'two shards done');

    const paused = await job.pause('disk maintenance');
    expect(paused).toMatchObject({ paused: true, pauseReason: 'disk maintenance', concurrency: 3 });
    // Running shards finish; nothing new starts.
    const settled = await until(async () => {
      const p = await job.progress();
      return p.shardsRunning === 0 ? p : undefined;
    }, 'running shards to finish');
    await new Promise((r) => setTimeout(r, 2_000));
    const later = await job.progress();
    expect(later).toMatchObject({
      paused: true,
      shardsRunning: 0,
      shardsDone: settled.shardsDone,
      phase: 'scoring',
    });
    expect(later.shardsDone).toBeLessThan(SHARDS);
    const described = await job.workflow.describe();
    expect(described.typedSearchAttributes.get(STATUS)).toBe('paused');

    await expect(job.setConcurrency(0)).rejects.toBeInstanceOf(InvalidControlError);
    expect(await job.setConcurrency(1)).toMatchObject({ concurrency: 1, paused: true });
    expect(await job.resume()).toMatchObject({ paused: false, concurrency: 1 });
    const summary = await job.result();
    expect(summary).toMatchObject({ status: 'completed', rowsScored: 10_000, shards: { done: SHARDS } });

    const partition = t.env.client.client.workflow.getHandle(`${job.jobId}/partition-00000`);
    const events = (await partition.fetchHistory()).events ?? [];
    const [pauseAt, concurrencyAt, resumeAt] = controlSignals(events);
    expect(resumeAt).toBeDefined();
    const overlap = scoringOverlap(events);
    // Before the pause three ran at once; none was scheduled while paused; after, never two at once.
    expect(Math.max(...overlap.filter((o) => o.eventId < pauseAt!).map((o) => o.open))).toBe(3);
    expect(overlap.filter((o) => o.eventId > pauseAt! && o.eventId < resumeAt!)).toEqual([]);
    expect(concurrencyAt).toBeLessThan(resumeAt!);
    const after = overlap.filter((o) => o.eventId > resumeAt!);
    expect(after.length).toBe(SHARDS - later.shardsDone);
    expect(Math.max(...after.map((o) => o.open))).toBe(1);
  });

  it('controls on a finished job and on an unknown id are typed errors', async () => {
    const job = await t.env.client.startJob({
      input: path.join(AI4I_PARQUET, 'part-000.parquet'),
      model: AI4I_MODEL,
      output: tempDir('finished'),
    });
    await job.result();
    await expect(job.pause()).rejects.toBeInstanceOf(JobNotRunningError);
    await expect(job.cancel()).rejects.toBeInstanceOf(JobNotRunningError);
    const finished = await job.progress();
    expect(finished).toMatchObject({ phase: 'done', etaSeconds: 0, shardsRunning: 0 });
    // The rate is measured up to the end, so asking later gives the same figure.
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await job.progress()).rowsPerSecond).toBe(finished.rowsPerSecond);
    await expect(t.env.client.getJob('no-such-job').progress()).rejects.toBeInstanceOf(JobNotFoundError);
  });
});

describe('starting like the Web UI does', () => {
  it('a plain JSON object with only input, model and output runs with every default', async () => {
    const output = tempDir('ui-json');
    const handle = await t.env.client.client.workflow.start(WORKFLOW_TYPE, {
      workflowId: `ui-json-${Date.now()}`,
      taskQueue: t.env.taskQueue,
      args: [JSON.parse(JSON.stringify({ input: AI4I_PARQUET, model: AI4I_MODEL, output })) as object],
    });
    const summary: unknown = await handle.result();
    expect(summary).toMatchObject({ status: 'completed', rowsScored: 10_000 });
    expect(existsSync(path.join(output, 'manifest.json'))).toBe(true);
    const described = await handle.describe();
    const attributes = Object.fromEntries(
      [DATASET, MODEL, MODEL_VERSION, STATUS].map((key) => [
        key.name,
        described.typedSearchAttributes.get(key),
      ]),
    );
    expect(attributes).toEqual({
      BatchScoreDataset: AI4I_PARQUET,
      BatchScoreModel: 'ai4i-failure-hgb',
      BatchScoreModelVersion: '1.0.0',
      BatchScoreStatus: 'completed',
    });
  });

  it('a malformed object fails at once, naming every bad field, before any activity runs', async () => {
    const handle = await t.env.client.client.workflow.start(WORKFLOW_TYPE, {
      workflowId: `ui-bad-${Date.now()}`,
      taskQueue: t.env.taskQueue,
      args: [
        {
          input: '',
          model: 5,
          outptu: '/tmp/x',
          concurrency: 0,
          timeZone: 'Mars/Olympus',
          output: 'o/{{dat}}',
        },
      ],
    });
    const failure = await t.env.client
      .getJob(handle.workflowId)
      .result()
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(JobFailedError);
    const error = failure as JobFailedError;
    expect(error.type).toBe('InvalidJobSpecError');
    for (const field of [
      'input:',
      'model:',
      'concurrency:',
      'timeZone:',
      'output: unknown template {{dat}}',
      'outptu',
    ])
      expect(error.message).toContain(field);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.some((e) => e.activityTaskScheduledEventAttributes)).toBe(false);
    const described = await handle.describe();
    expect(described.typedSearchAttributes.get(STATUS)).toBe('failed');
    expect(await t.env.client.getJob(handle.workflowId).progress()).toMatchObject({
      phase: 'failed',
      failure: { type: 'InvalidJobSpecError', message: expect.stringContaining('concurrency') as unknown },
    });
  });

  it('date templates without a schedule need scheduledTime, and resolve from it in the job time zone', async () => {
    const root = tempDir('templated');
    const noTime = await t.env.client.startJob({
      input: AI4I_PARQUET,
      model: AI4I_MODEL,
      output: `${root}/{{date}}`,
    });
    const refused = (await noTime.result().catch((e: unknown) => e)) as JobFailedError;
    expect(refused.type).toBe('InvalidJobSpecError');
    expect(refused.message).toContain('scheduledTime');
    const job = await t.env.client.startJob({
      input: path.join(AI4I_PARQUET, 'part-000.parquet'),
      model: AI4I_MODEL,
      output: `${root}/date={{date-1}}/hour={{hh}}`,
      scheduledTime: '2026-11-01T16:30:00Z',
      timeZone: 'Asia/Tokyo', // 2026-11-02 01:30 there
    });
    const summary = await job.result();
    expect(summary.output.root).toBe(`${root}/date=2026-11-01/hour=01`);
    expect(existsSync(path.join(root, 'date=2026-11-01', 'hour=01', 'manifest.json'))).toBe(true);
  });
});

describe('finding jobs', () => {
  it('a duplicate job id never starts a second run', async () => {
    const jobId = `dup-${Date.now()}`;
    const spec = {
      input: path.join(AI4I_PARQUET, 'part-001.parquet'),
      model: AI4I_MODEL,
      output: tempDir('dup'),
    };
    const first = await t.env.client.startJob(spec, { jobId });
    const second = await t.env.client.startJob(spec, { jobId });
    await first.result();
    const third = await t.env.client.startJob(spec, { jobId });
    expect((await second.result()).jobId).toBe(jobId);
    expect((await third.result()).jobId).toBe(jobId);
    const runs = await until(async () => {
      const found = [];
      for await (const e of t.env.client.client.workflow.list({ query: `WorkflowId = '${jobId}'` }))
        found.push(e);
      return found.length > 0 ? found : undefined;
    }, 'visibility');
    expect(runs).toHaveLength(1);
  });

  it('listJobs filters by state, model and start time', async () => {
    const since = new Date(Date.now() - 1000);
    const job = await t.env.client.startJob({
      input: path.join(AI4I_PARQUET, 'part-002.parquet'),
      model: AI4I_MODEL,
      output: tempDir('listed'),
    });
    await job.result();
    const completed = await until(async () => {
      const jobs = await t.env.client.listJobs({ status: 'completed', model: 'ai4i-failure-hgb', since });
      return jobs.some((j) => j.jobId === job.jobId) ? jobs : undefined;
    }, 'the job in visibility');
    expect(completed.find((j) => j.jobId === job.jobId)).toMatchObject({
      status: 'completed',
      model: 'ai4i-failure-hgb',
      modelVersion: '1.0.0',
      dataset: path.join(AI4I_PARQUET, 'part-002.parquet'),
    });
    expect(completed.every((j) => j.status === 'completed' && j.startTime >= since)).toBe(true);
    expect(await t.env.client.listJobs({ status: 'partial', since })).toEqual([]);
    expect(await t.env.client.listJobs({ model: 'no-such-model' })).toEqual([]);
  });
});
