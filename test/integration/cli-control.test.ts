import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobFailedError } from '../../client/index.js';
import { AI4I_MODEL, AI4I_PARQUET, ROOT, tempDir } from '../helpers/paths.js';
import { useTestTemporal } from '../helpers/temporal.js';

/** `batch-score job ...` and `batch-score schedule ...` as an operator runs them against a running cluster. */
const t = useTestTemporal({ rowGroupDelayMs: 250 });
const BIN = path.join(ROOT, 'bin', 'batch-score.js');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, TEMPORAL_ADDRESS: t.server.address, BATCH_SCORE_TASK_QUEUE: t.env.taskQueue },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const slowJob = () =>
  t.env.client.startJob({
    input: AI4I_PARQUET,
    model: AI4I_MODEL,
    output: tempDir('cli-control'),
    shardRows: 500,
    concurrency: 2,
  });

describe('batch-score job', () => {
  it('pauses, reports, resumes and lists a running job', async () => {
    const job = await slowJob();
    const paused = await cli(['job', 'pause', job.jobId, '--reason', 'db backup']);
    expect(paused).toMatchObject({ code: 0 });
    expect(paused.stdout).toContain(`job ${job.jobId}: paused (paused: yes, concurrency 2)`);

    const status = await cli(['job', 'status', job.jobId, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      jobId: job.jobId,
      paused: true,
      pauseReason: 'db backup',
      concurrency: 2,
      rowsPlanned: 10_000,
    });
    expect((await cli(['job', 'status', job.jobId])).stdout).toContain('paused (db backup)');

    const zero = await cli(['job', 'set-concurrency', job.jobId, '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain(
      `job set-concurrency ${job.jobId} 0: expected a whole number from 1 to 10000`,
    );
    expect((await cli(['job', 'set-concurrency', job.jobId, '4'])).stdout).toContain('concurrency 4');
    expect((await cli(['job', 'resume', job.jobId])).code).toBe(0);
    expect((await job.result()).rowsScored).toBe(10_000);

    const listed = await cli(['job', 'list', '--status', 'completed', '--since', '1h', '--json']);
    expect(listed.code).toBe(0);
    const jobs = JSON.parse(listed.stdout) as { jobId: string; status: string }[];
    // Visibility may lag a moment behind the result.
    if (!jobs.some((j) => j.jobId === job.jobId)) await new Promise((r) => setTimeout(r, 3_000));
    const again = JSON.parse(
      (await cli(['job', 'list', '--status', 'completed', '--json'])).stdout,
    ) as typeof jobs;
    expect(again.find((j) => j.jobId === job.jobId)).toMatchObject({ status: 'completed' });
  });

  it('cancels a job, and names unknown jobs and bad flags', async () => {
    const job = await slowJob();
    expect((await cli(['job', 'cancel', job.jobId])).code).toBe(0);
    await expect(job.result()).rejects.toMatchObject({
      type: 'JobCancelled',
    } satisfies Partial<JobFailedError>);

    const unknown = await cli(['job', 'status', 'no-such-job']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no job with id no-such-job');
    const badStatus = await cli(['job', 'list', '--status', 'done']);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain('--status done: expected one of running, planning');
  });
});

describe('batch-score schedule', () => {
  it('creates, describes, pauses with a note, lists and deletes a nightly schedule', async () => {
    const id = `cli-nightly-${Date.now()}`;
    const output = tempDir('cli-sched');
    const created = await cli([
      'schedule',
      'create',
      id,
      '--input',
      `${AI4I_PARQUET}/../date={{date-1}}`,
      '--model',
      AI4I_MODEL,
      '--output',
      `${output}/date={{date-1}}`,
      '--cron',
      '0 2 * * *',
      '--tz',
      'Europe/Berlin',
      '--json',
    ]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ scheduleId: id, cron: '0 2 * * *', overlap: 'skip' });

    expect((await cli(['schedule', 'pause', id, '--note', 'holiday freeze'])).code).toBe(0);
    const described = await cli(['schedule', 'describe', id]);
    expect(described.stdout).toContain(`${id}: cron "0 2 * * *" Europe/Berlin [paused]`);
    expect(described.stdout).toContain('note: holiday freeze');
    expect((await cli(['schedule', 'list'])).stdout).toContain(id);

    const badOverlap = await cli(['schedule', 'update', id, '--overlap', 'sometimes']);
    expect(badOverlap.code).toBe(2);
    expect(badOverlap.stderr).toContain('--overlap sometimes: expected one of skip, buffer-one');
    const noTiming = await cli([
      'schedule',
      'create',
      `${id}-2`,
      '--input',
      'a',
      '--model',
      'b',
      '--output',
      'c',
    ]);
    expect(noTiming.code).toBe(2);
    expect(noTiming.stderr).toContain('give exactly one of --cron and --every');

    expect((await cli(['schedule', 'delete', id])).code).toBe(0);
    const gone = await cli(['schedule', 'describe', id]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`no schedule named ${id}`);
  });
});
