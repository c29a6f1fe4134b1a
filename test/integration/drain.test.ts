import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchScoreClient, type JobHandle } from '../../client/index.js';
import type { DevServer } from '../../temporal/dev-server.js';
import { readNumericColumns } from '../helpers/golden.js';
import { AI4I_MODEL, AI4I_PARQUET, ROOT, tempDir } from '../helpers/paths.js';
import { startTestServer } from '../helpers/temporal.js';

/**
 * SIGTERM on a real `batch-score worker` process: it stops polling, gives running shards the shutdown grace
 * to finish, hands back what is still running past it (the attempt fails, Temporal retries it elsewhere),
 * cleans its temporary parts and exits 0. Every input row is scored exactly once either way.
 *
 * The AI4I input is 4 files of 2,500 rows in row groups of 1,000: with shardRows 3,000, 4 shards of 3 row
 * groups, each slowed by BATCH_SCORE_ROW_GROUP_DELAY_MS so the signal lands mid-shard.
 */
let server: DevServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop();
});

interface WorkerProcess {
  child: ChildProcess;
  /** The identity Temporal records for this worker's attempts (the SDK default, pid@host). */
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  stderr(): string;
}

function spawnWorker(taskQueue: string, env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'batch-score.js'), 'worker'], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      BATCH_SCORE_TASK_QUEUE: taskQueue,
      BATCH_SCORE_SCORING_SLOTS: '2',
      BATCH_SCORE_LOG_LEVEL: 'WARN',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { child, pid: child.pid!, exited, stderr: () => stderr };
}

/** Waits until the worker has printed its "worker polling" line (its pools are up). */
async function polling(worker: WorkerProcess): Promise<void> {
  await waitFor(async () => worker.stderr().includes('worker polling'), 60_000);
}

async function outputUdis(output: string): Promise<number[]> {
  const dir = path.join(output, 'predictions');
  const udis: number[] = [];
  for (const part of readdirSync(dir).filter((f) => f.endsWith('.parquet'))) {
    udis.push(...(await readNumericColumns(path.join(dir, part), ['UDI'])).UDI!);
  }
  return udis.sort((a, b) => a - b);
}

/** Every file under `dir` whose name marks it temporary (a part not yet published). */
function temporaryFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    path.basename(f).includes('.tmp-'),
  );
}

interface ScoringAttempt {
  attempt: number;
  identity: string;
  lastFailure?: temporal.api.failure.v1.IFailure | null;
}

/** The final attempt of each scoreShard activity in the job's first partition, with who ran it. */
async function scoringAttempts(client: BatchScoreClient, job: JobHandle): Promise<ScoringAttempt[]> {
  const partition = client.client.workflow.getHandle(`${job.jobId}/partition-00000`);
  const events = (await partition.fetchHistory()).events ?? [];
  const scoring = new Set(
    events
      .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'scoreShard')
      .map((e) => String(e.eventId)),
  );
  return events
    .filter((e) => scoring.has(String(e.activityTaskStartedEventAttributes?.scheduledEventId)))
    .map((e) => {
      const started = e.activityTaskStartedEventAttributes!;
      return {
        attempt: started.attempt ?? 0,
        identity: started.identity ?? '',
        lastFailure: started.lastFailure,
      };
    });
}

async function startSlowJob(client: BatchScoreClient, heartbeatTimeoutSeconds: number) {
  const output = tempDir('drain-output');
  const job = await client.startJob({
    input: AI4I_PARQUET,
    model: AI4I_MODEL,
    output,
    shardRows: 3000,
    concurrency: 2,
    heartbeatTimeoutSeconds,
  });
  return { job, output };
}

/** Waits until the first worker is in the middle of its first two shards: both temporary parts are open. */
async function midShard(job: JobHandle, output: string): Promise<void> {
  await waitFor(async () => temporaryFiles(output).length === 2, 60_000);
  expect((await job.progress()).shardsDone).toBe(0);
}

describe('SIGTERM on a worker process', () => {
  it('with a long grace: the running shards finish on the same worker, which then exits 0', async () => {
    const taskQueue = `drain-${randomUUID()}`;
    const first = spawnWorker(taskQueue, {
      BATCH_SCORE_ROW_GROUP_DELAY_MS: '800',
      BATCH_SCORE_SHUTDOWN_GRACE: '60s',
    });
    let second: WorkerProcess | undefined;
    const client = await BatchScoreClient.connect({ address: server.address, taskQueue });
    try {
      await polling(first);
      const { job, output } = await startSlowJob(client, 10);
      await midShard(job, output);
      const signalled = Date.now();
      first.child.kill('SIGTERM');
      const exit = await first.exited;
      expect(exit).toMatchObject({ code: 0, signal: null });
      // It waited for its two shards (3 row groups of 800 ms each), well inside the grace.
      expect(exit.at - signalled).toBeLessThan(60_000);
      expect(first.stderr()).toContain('draining');

      second = spawnWorker(taskQueue, {});
      const summary = await job.result();
      expect(summary).toMatchObject({ status: 'completed', rowsScored: 10_000 });
      expect(await outputUdis(output)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
      expect(temporaryFiles(output)).toEqual([]);

      const attempts = await scoringAttempts(client, job);
      expect(attempts).toHaveLength(4);
      // The two shards running at the signal finished on their first attempt, on the signalled worker.
      const byFirst = attempts.filter((a) => a.identity.startsWith(`${first.pid}@`));
      expect(byFirst.map((a) => a.attempt)).toEqual([1, 1]);
      expect(attempts.every((a) => a.attempt === 1)).toBe(true);
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGKILL');
      await client.close();
    }
  }, 180_000);

  it('with a short grace: the running shards are handed back and another worker finishes them', async () => {
    const taskQueue = `handback-${randomUUID()}`;
    const first = spawnWorker(taskQueue, {
      BATCH_SCORE_ROW_GROUP_DELAY_MS: '3000',
      BATCH_SCORE_SHUTDOWN_GRACE: '1s',
    });
    let second: WorkerProcess | undefined;
    const client = await BatchScoreClient.connect({ address: server.address, taskQueue });
    try {
      await polling(first);
      // A heartbeat timeout far longer than the test: a retry can only come from the hand-back.
      const { job, output } = await startSlowJob(client, 600);
      await midShard(job, output);
      const signalled = Date.now();
      first.child.kill('SIGTERM');
      const exit = await first.exited;
      expect(exit).toMatchObject({ code: 0, signal: null });
      // Handed back after the 1 s grace, long before its shards (9 s each) could have finished.
      expect(exit.at - signalled).toBeLessThan(8_000);
      expect(temporaryFiles(output)).toEqual([]);

      second = spawnWorker(taskQueue, {});
      const summary = await job.result();
      expect(summary).toMatchObject({ status: 'completed', rowsScored: 10_000 });
      expect(await outputUdis(output)).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));
      expect(temporaryFiles(output)).toEqual([]);

      const attempts = await scoringAttempts(client, job);
      expect(attempts).toHaveLength(4);
      expect(attempts.every((a) => a.identity.startsWith(`${second!.pid}@`))).toBe(true);
      // The two handed-back shards are on their second attempt; the first failed as a worker shutdown,
      // not a heartbeat timeout.
      const retried = attempts.filter((a) => a.attempt > 1);
      expect(retried.map((a) => a.attempt)).toEqual([2, 2]);
      for (const a of retried) {
        expect(a.lastFailure?.timeoutFailureInfo ?? undefined).toBeUndefined();
        expect(a.lastFailure).toMatchObject({
          message: 'Worker is shutting down and this activity did not complete in time',
          applicationFailureInfo: { type: 'WorkerShutdown' },
        });
      }
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGKILL');
      await client.close();
    }
  }, 180_000);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`condition not met in ${timeoutMs} ms`);
}
