import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../activities/finalize-job.js';
import { ScheduleError } from '../../client/index.js';
import { SCHEDULED_START_TIME } from '../../workflows/search-attributes.js';
import { AI4I_MODEL, AI4I_PARQUET, tempDir } from '../helpers/paths.js';
import { useTestTemporal } from '../helpers/temporal.js';

/** Nightly schedules on a real dev server: trigger, backfill with date templates, overlap, pause notes. */
const t = useTestTemporal({ rowGroupDelayMs: 100 });

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The jobs a schedule started, once `count` of them have closed. */
function closedRuns(scheduleId: string, count: number): Promise<WorkflowExecutionInfo[]> {
  return until(async () => {
    const runs: WorkflowExecutionInfo[] = [];
    const query = `TemporalScheduledById = '${scheduleId}' AND ExecutionStatus != 'Running'`;
    for await (const run of t.env.client.client.workflow.list({ query })) runs.push(run);
    return runs.length >= count ? runs : undefined;
  }, `${count} finished runs of ${scheduleId}`);
}

function manifest(folder: string): Manifest {
  return JSON.parse(readFileSync(path.join(folder, 'manifest.json'), 'utf8')) as Manifest;
}

describe('schedules', () => {
  it('a schedule triggered now runs a job whose id is the schedule id and the scheduled time', async () => {
    const scheduleId = `nightly-trigger-${Date.now()}`;
    const output = tempDir('sched-trigger');
    const created = await t.env.client.schedules.create({
      scheduleId,
      job: { input: path.join(AI4I_PARQUET, 'part-001.parquet'), model: AI4I_MODEL, output },
      cron: '0 2 * * *',
      timeZone: 'Europe/Berlin',
    });
    expect(created).toMatchObject({
      cron: '0 2 * * *',
      timeZone: 'Europe/Berlin',
      overlap: 'skip',
      paused: false,
    });
    expect(created.nextRuns[0]!.getTime()).toBeGreaterThan(Date.now());

    await t.env.client.schedules.trigger(scheduleId);
    const [run] = await closedRuns(scheduleId, 1);
    expect(run!.status.name).toBe('COMPLETED');
    expect(run!.workflowId.startsWith(`${scheduleId}-`)).toBe(true);
    expect(manifest(output).totals).toMatchObject({ rowsIn: 2500, rowsScored: 2500 });
    await t.env.client.schedules.delete(scheduleId);
    await expect(t.env.client.schedules.describe(scheduleId)).rejects.toBeInstanceOf(ScheduleError);
  });

  it('a backfill of three dates scores exactly those three date partitions, dated in the schedule time zone', async () => {
    const root = tempDir('sched-backfill');
    const files = ['part-000', 'part-001', 'part-002', 'part-003'];
    // One more file each day, and decoy days either side that must not be scored.
    const days = ['2026-10-31', '2026-11-01', '2026-11-02', '2026-11-03', '2026-11-04'];
    days.forEach((day, i) => {
      const folder = path.join(root, 'sensors', `date=${day}`);
      mkdirSync(folder, { recursive: true });
      for (const f of files.slice(0, Math.min(i, 3) + 1))
        cpSync(path.join(AI4I_PARQUET, `${f}.parquet`), path.join(folder, `${f}.parquet`));
    });
    const scheduleId = `nightly-backfill-${Date.now()}`;
    await t.env.client.schedules.create({
      scheduleId,
      job: {
        input: `${root}/sensors/date={{date}}`,
        model: AI4I_MODEL,
        output: `${root}/scores/date={{date}}`,
      },
      // 01:00 in Tokyo is 16:00 UTC the day before: the templates must use Tokyo's date.
      cron: '0 1 * * *',
      timeZone: 'Asia/Tokyo',
      paused: true,
      note: 'only backfills in this test',
    });
    await t.env.client.schedules.backfill(scheduleId, { from: '2026-11-01', to: '2026-11-03' });
    const runs = await closedRuns(scheduleId, 3);
    expect(runs.map((r) => r.status.name)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(readdirSync(path.join(root, 'scores')).sort()).toEqual([
      'date=2026-11-01',
      'date=2026-11-02',
      'date=2026-11-03',
    ]);
    const rows = ['2026-11-01', '2026-11-02', '2026-11-03'].map(
      (day) => manifest(path.join(root, 'scores', `date=${day}`)).totals.rowsScored,
    );
    expect(rows).toEqual([5000, 7500, 10_000]);
    const scheduledFor = runs
      .map((r) => r.typedSearchAttributes.get(SCHEDULED_START_TIME)?.toISOString())
      .sort();
    expect(scheduledFor).toEqual([
      '2026-10-31T16:00:00.000Z',
      '2026-11-01T16:00:00.000Z',
      '2026-11-02T16:00:00.000Z',
    ]);
    await t.env.client.schedules.delete(scheduleId);
  });

  it('a trigger while the previous run is still going is skipped (overlap policy skip)', async () => {
    const scheduleId = `nightly-overlap-${Date.now()}`;
    const output = tempDir('sched-overlap');
    await t.env.client.schedules.create({
      scheduleId,
      // One shard at a time, slowed by the workers: a few seconds of work.
      job: { input: AI4I_PARQUET, model: AI4I_MODEL, output, shardRows: 500, concurrency: 1 },
      every: '1 day',
      paused: true,
    });
    await t.env.client.schedules.trigger(scheduleId);
    await until(async () => {
      const info = await t.env.client.schedules.describe(scheduleId);
      return info.runningJobs.length === 1 ? info : undefined;
    }, 'the first run to start');
    await t.env.client.schedules.trigger(scheduleId);
    const info = await until(async () => {
      const described = await t.env.client.schedules.describe(scheduleId);
      return described.runsSkippedForOverlap === 1 ? described : undefined;
    }, 'the skipped trigger to be counted');
    expect(info.runningJobs).toHaveLength(1);
    const runs = await closedRuns(scheduleId, 1);
    expect(runs).toHaveLength(1);
    expect(manifest(output).totals.rowsScored).toBe(10_000);
    await t.env.client.schedules.delete(scheduleId);
  });

  it('pause keeps its note, update changes only what it is given, and bad options are named', async () => {
    const scheduleId = `nightly-admin-${Date.now()}`;
    const job = { input: AI4I_PARQUET, model: AI4I_MODEL, output: tempDir('sched-admin') };
    await t.env.client.schedules.create({ scheduleId, job, cron: '0 2 * * *' });
    await t.env.client.schedules.pause(scheduleId, 'upstream export late, see INC-42');
    expect(await t.env.client.schedules.describe(scheduleId)).toMatchObject({
      paused: true,
      note: 'upstream export late, see INC-42',
    });
    const updated = await t.env.client.schedules.update(scheduleId, {
      cron: '30 3 * * *',
      timeZone: 'America/Chicago',
      job: { concurrency: 4 },
    });
    expect(updated).toMatchObject({
      cron: '30 3 * * *',
      timeZone: 'America/Chicago',
      overlap: 'skip',
      paused: true,
      job: { ...job, concurrency: 4, timeZone: 'America/Chicago' },
    });
    await t.env.client.schedules.unpause(scheduleId);
    expect((await t.env.client.schedules.describe(scheduleId)).paused).toBe(false);
    expect((await t.env.client.schedules.list()).map((s) => s.scheduleId)).toContain(scheduleId);

    await expect(t.env.client.schedules.create({ scheduleId, job, cron: '0 2 * * *' })).rejects.toThrow(
      /exists already/,
    );
    await expect(
      t.env.client.schedules.create({
        scheduleId: `${scheduleId}-x`,
        job: { ...job, output: 'o/{{day}}' },
        every: '1d',
      }),
    ).rejects.toThrow(/output: unknown template \{\{day\}\}/);
    await expect(
      t.env.client.schedules.create({
        scheduleId: `${scheduleId}-y`,
        job,
        cron: '0 2 * * *',
        timeZone: 'Moon/Base',
      }),
    ).rejects.toThrow(/time zone/);
    await expect(
      t.env.client.schedules.backfill(scheduleId, { from: '2026-11-05', to: '2026-11-01' }),
    ).rejects.toThrow(/before/);
    await t.env.client.schedules.delete(scheduleId);
    expect(existsSync(job.output)).toBe(true);
  });
});
