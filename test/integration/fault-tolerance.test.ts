import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../activities/finalize-job.js';
import { BatchScoreClient, JobFailedError } from '../../client/index.js';
import type { FailedShard } from '../../domain/job.js';
import { DevServer, freePort } from '../../temporal/dev-server.js';
import { readNumericColumns } from '../helpers/golden.js';
import { AI4I_MODEL, AI4I_PARQUET, ROOT, tempDir } from '../helpers/paths.js';
import { startTestServer, startTestWorkers, type TestWorkers } from '../helpers/temporal.js';

/** Fault injection on a real dev server with real workers: failed shards, cancellation, killed workers. */
let server: DevServer;
let env: TestWorkers;
let slow: TestWorkers;

beforeAll(async () => {
  server = await startTestServer();
  env = await startTestWorkers(server);
  // Slowed scoring (a pause after each row group) so a test can act while shards are running.
  slow = await startTestWorkers(server, { rowGroupDelayMs: 400 });
});

afterAll(async () => {
  await slow?.stop();
  await env?.stop();
  await server?.stop();
});

function datasetWithCorruptFile(): string {
  const input = tempDir('partial-input');
  for (const part of ['part-000', 'part-001'])
    cpSync(path.join(AI4I_PARQUET, `${part}.parquet`), path.join(input, `${part}.parquet`));
  cpSync(
    path.join(ROOT, 'test', 'fixtures', 'corrupt-page.parquet'),
    path.join(input, 'part-000b-corrupt.parquet'),
  );
  return input;
}

async function outputUdis(output: string): Promise<number[]> {
  const dir = path.join(output, 'predictions');
  const udis: number[] = [];
  for (const part of readdirSync(dir).filter((f) => f.endsWith('.parquet'))) {
    udis.push(...(await readNumericColumns(path.join(dir, part), ['UDI'])).UDI!);
  }
  return udis.sort((a, b) => a - b);
}

describe('a corrupt file in the middle of a dataset', () => {
  it('within the failure limit: the job ends partial, the shard is in errors/, every other row is scored', async () => {
    const input = datasetWithCorruptFile();
    const output = tempDir('partial-output');
    const job = await env.client.startJob({ input, model: AI4I_MODEL, output, maxFailedShards: 1 });
    const summary = await job.result();
    expect(summary.status).toBe('partial');
    expect(summary.shards).toEqual({ planned: 3, done: 2, failed: 1 });
    expect(summary).toMatchObject({ rowsIn: 5_200, rowsScored: 5_000, rowsFailed: 200 });
    const corrupt = path.join(input, 'part-000b-corrupt.parquet');
    expect(summary.failedShards).toHaveLength(1);
    expect(summary.failedShards[0]).toMatchObject({
      fileUri: corrupt,
      rowGroupStart: 0,
      rowGroupEnd: 2,
      rows: 200,
      errorType: 'CorruptParquetError',
    });

    const errorFile = path.join(output, 'errors', `${summary.failedShards[0]!.shardId}.json`);
    const recorded = JSON.parse(readFileSync(errorFile, 'utf8')) as FailedShard;
    expect(recorded).toMatchObject({
      fileUri: corrupt,
      rowGroupStart: 0,
      rowGroupEnd: 2,
      errorType: 'CorruptParquetError',
    });
    expect(recorded.message).toContain('page 1 fails its CRC-32 checksum');

    const manifest = JSON.parse(readFileSync(path.join(output, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.status).toBe('partial');
    expect(manifest.totals).toMatchObject({
      rowsIn: 5_200,
      rowsScored: 5_000,
      rowsFailed: 200,
      failedShards: 1,
    });
    expect(manifest.files.find((f) => f.uri === corrupt)).toMatchObject({
      rowsIn: 200,
      rowsScored: 0,
      rowsFailed: 200,
    });
    expect(await outputUdis(output)).toEqual(Array.from({ length: 5_000 }, (_, i) => i + 1));
  });

  it('re-running a failed job id scores only the missing shards; a finished job id returns its result', async () => {
    const input = datasetWithCorruptFile();
    const output = tempDir('rerun-output');
    const spec = { input, model: AI4I_MODEL, output };
    const jobId = `rerun-${randomUUID()}`;
    const failed = await (await env.client.startJob(spec, { jobId })).result().catch((e: unknown) => e);
    expect((failed as JobFailedError).type).toBe('FailureThresholdExceededError');
    const predictions = path.join(output, 'predictions');
    const before = new Map(
      readdirSync(predictions).map((f) => [f, statSync(path.join(predictions, f)).mtimeMs]),
    );
    expect(before.size).toBe(2);

    // Repair the broken file and start the same job id again: a new run that reuses the finished parts.
    cpSync(path.join(AI4I_PARQUET, 'part-002.parquet'), path.join(input, 'part-000b-corrupt.parquet'));
    const rerun = await env.client.startJob(spec, { jobId });
    const summary = await rerun.result();
    expect(summary).toMatchObject({ status: 'completed', rowsIn: 7_500, rowsScored: 7_500 });
    for (const [file, mtime] of before) expect(statSync(path.join(predictions, file)).mtimeMs).toBe(mtime);
    expect(existsSync(path.join(output, 'errors'))).toBe(false);

    // The job id has now finished: starting it again returns the same result, scoring nothing.
    const third = await env.client.startJob(spec, { jobId });
    expect(await third.result()).toEqual(summary);
    expect((await third.workflow.describe()).runId).toBe((await rerun.workflow.describe()).runId);
  });
});

describe('cancelling a job', () => {
  it('stops running shards, removes their temporary files, keeps and lists the finished parts', async () => {
    const output = tempDir('cancel-output');
    const job = await slow.client.startJob({
      input: AI4I_PARQUET,
      model: AI4I_MODEL,
      output,
      shardRows: 1000,
      concurrency: 2,
      heartbeatTimeoutSeconds: 2,
    });
    await waitFor(async () => (await job.progress()).shardsDone >= 2, 60_000);
    await job.cancel();
    const error = (await job.result().catch((e: unknown) => e)) as JobFailedError;
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.type).toBe('JobCancelled');
    const manifest = JSON.parse(readFileSync(path.join(output, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.status).toBe('cancelled');
    expect(manifest.parts.length).toBeGreaterThanOrEqual(2);
    expect(manifest.parts.length).toBeLessThan(12);
    expect(manifest.totals.rowsScored + manifest.totals.rowsNotScored).toBe(10_000);
    const files = readdirSync(path.join(output, 'predictions'));
    expect(files.filter((f) => f.startsWith('.'))).toEqual([]);
    expect(files.sort()).toEqual(manifest.parts.map((p) => path.basename(p.path)).sort());
  });
});

describe('a worker killed with SIGKILL in the middle of a shard', () => {
  it('another worker finishes the job: every input row appears exactly once', async () => {
    const taskQueue = `kill-${randomUUID()}`;
    const spawnWorker = () =>
      spawn(process.execPath, [path.join(ROOT, 'bin', 'batch-score.js'), 'worker'], {
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: server.address,
          BATCH_SCORE_TASK_QUEUE: taskQueue,
          BATCH_SCORE_ROW_GROUP_DELAY_MS: '500',
          BATCH_SCORE_SCORING_SLOTS: '2',
        },
        stdio: 'ignore',
      });
    const first = spawnWorker();
    let second: ChildProcess | undefined;
    const connection = await BatchScoreClient.connect({ address: server.address, taskQueue });
    try {
      const output = tempDir('kill-output');
      const job = await connection.startJob({
        input: AI4I_PARQUET,
        model: AI4I_MODEL,
        output,
        shardRows: 3000,
        concurrency: 2,
        heartbeatTimeoutSeconds: 3,
      });
      // Mid-shard: scoring has begun but no shard has finished (each shard is 3 row groups of 500 ms).
      await waitFor(async () => (await job.progress().catch(() => undefined))?.phase === 'scoring', 60_000);
      await new Promise((r) => setTimeout(r, 700));
      expect((await job.progress()).shardsDone).toBe(0);
      first.kill('SIGKILL');
      second = spawnWorker();
      const summary = await job.result();
      expect(summary.status).toBe('completed');
      expect(await outputUdis(output)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
      expect(readdirSync(path.join(output, 'predictions')).filter((f) => f.startsWith('.'))).toEqual([]);
    } finally {
      first.kill('SIGKILL');
      second?.kill('SIGTERM');
      await connection.close();
    }
  });
});

describe('the dev server stopped mid-job and started again on the same database', () => {
  it('the job completes correctly', async () => {
    const dbFile = path.join(tempDir('restart-db'), 'temporal.sqlite');
    const port = await freePort();
    const uiPort = await freePort();
    let own = await DevServer.start({ dbFile, port, uiPort });
    const workers = await startTestWorkers(own, { rowGroupDelayMs: 300 });
    try {
      const output = tempDir('restart-output');
      const job = await workers.client.startJob({
        input: AI4I_PARQUET,
        model: AI4I_MODEL,
        output,
        shardRows: 1000,
        concurrency: 2,
        heartbeatTimeoutSeconds: 5,
      });
      await waitFor(async () => (await job.progress()).shardsDone >= 1, 60_000);
      await own.stop();
      own = await DevServer.start({ dbFile, port, uiPort });
      const summary = await job.result();
      expect(summary).toMatchObject({ status: 'completed', rowsScored: 10_000 });
      expect(await outputUdis(output)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
      expect(existsSync(path.join(output, 'manifest.json'))).toBe(true);
    } finally {
      await workers.stop();
      await own.stop();
    }
  }, 240_000);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`condition not met in ${timeoutMs} ms`);
}
