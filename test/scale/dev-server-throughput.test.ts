import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { BatchScoreClient } from '../../client/index.js';
import { findTemporalCli } from '../../temporal/cli-binary.js';
import { freePort } from '../../temporal/dev-server.js';
import { JOB_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { scoringTaskQueue } from '../../workflows/task-queues.js';
import { ROOT, tempDir } from '../helpers/paths.js';
import { NOOP_MODEL, NOOP_SHARD_ROWS, noopActivities } from './noop-activities.js';

/**
 * A measurement, not a test of speed: no-op shards per second through the real workflows, for dev server
 * and worker settings, to learn what a 100,000-shard no-op job costs in CI. One shard per activity, except
 * in the `batched` settings (the job's default shardRows: up to 100 small shards per activity). Opt-in:
 *
 *   THROUGHPUT_SHARDS=3000 npx vitest run test/scale/dev-server-throughput.test.ts
 *
 * THROUGHPUT_SETTINGS=name,name picks settings (default all); THROUGHPUT_CONCURRENCY sets the job's
 * concurrency (default 400, as test/scale/history-limits.test.ts). Each setting gets a fresh dev server.
 * It asserts only that every job completes with every shard.
 */
const SHARDS = Number(process.env.THROUGHPUT_SHARDS ?? 0);
const CONCURRENCY = Number(process.env.THROUGHPUT_CONCURRENCY ?? 400);

interface Setting {
  name: string;
  /** SQLite file (true) or the dev server's default in-memory database. */
  dbFile: boolean;
  pragmas?: string[];
  dynamicConfig?: string[];
  worker?: Partial<WorkerOptions>;
  /** The job's default shardRows: small shards go to scoreShards in batches of up to 100. Otherwise one per activity. */
  batched?: boolean;
}

const ONE_PARTITION = ['matching.numTaskqueueReadPartitions=1', 'matching.numTaskqueueWritePartitions=1'];
const FAST_SQLITE = ['journal_mode=wal', 'synchronous=off'];
const MORE_POLLS: Partial<WorkerOptions> = {
  maxConcurrentActivityTaskPolls: 20,
  maxConcurrentWorkflowTaskPolls: 20,
};

const SETTINGS: Setting[] = [
  { name: 'sqlite-file', dbFile: true },
  { name: 'memory', dbFile: false },
  { name: 'sqlite-file+wal+sync-off', dbFile: true, pragmas: FAST_SQLITE },
  { name: 'sqlite-file+wal', dbFile: true, pragmas: ['journal_mode=wal'] },
  { name: 'sqlite-file+wal+sync-normal', dbFile: true, pragmas: ['journal_mode=wal', 'synchronous=normal'] },
  { name: 'memory+sync-off', dbFile: false, pragmas: ['synchronous=off'] },
  { name: 'sqlite-file+1-partition', dbFile: true, dynamicConfig: ONE_PARTITION },
  { name: 'memory+1-partition', dbFile: false, dynamicConfig: ONE_PARTITION },
  {
    name: 'wal+sync-off+1-partition',
    dbFile: true,
    pragmas: FAST_SQLITE,
    dynamicConfig: ONE_PARTITION,
  },
  { name: 'memory+polls-20', dbFile: false, worker: MORE_POLLS },
  { name: 'memory+1-partition+polls-20', dbFile: false, dynamicConfig: ONE_PARTITION, worker: MORE_POLLS },
  {
    name: 'memory+polls-2',
    dbFile: false,
    worker: { maxConcurrentActivityTaskPolls: 2, maxConcurrentWorkflowTaskPolls: 2 },
  },
  { name: 'memory+cache-4', dbFile: false, worker: { maxCachedWorkflows: 4 } },
  { name: 'sqlite-file+batched', dbFile: true, batched: true },
  {
    name: 'wal+sync-normal+batched',
    dbFile: true,
    pragmas: ['journal_mode=wal', 'synchronous=normal'],
    batched: true,
  },
];
const chosen = process.env.THROUGHPUT_SETTINGS?.split(',') ?? SETTINGS.map((s) => s.name);

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function startServer(
  setting: Setting,
): Promise<{ address: string; cpuSeconds(): number; stop(): Promise<void> }> {
  const cli = await findTemporalCli({ install: true, log: () => undefined });
  if (!cli) throw new Error('no Temporal CLI');
  const port = await freePort();
  const dir = tempDir(`throughput-${setting.name}`);
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless'];
  args.push('--log-level', 'warn');
  // The workflows upsert the job's search attributes; a server without them stalls every job.
  for (const [name, type] of Object.entries(JOB_SEARCH_ATTRIBUTES))
    args.push('--search-attribute', `${name}=${type}`);
  if (setting.dbFile) args.push('--db-filename', path.join(dir, 'temporal.sqlite'));
  for (const p of setting.pragmas ?? []) args.push('--sqlite-pragma', p);
  for (const d of setting.dynamicConfig ?? []) args.push('--dynamic-config-value', d);
  const log = openSync(path.join(dir, 'server.log'), 'a');
  const child: ChildProcess = spawn(cli.path, args, { stdio: ['ignore', log, log] });
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      await connection.close();
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return {
    address,
    cpuSeconds: () => cpuSecondsOf(child.pid!),
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function measure(setting: Setting, workflowBundle: { code: string }) {
  const server = await startServer(setting);
  const connection = await NativeConnection.connect({ address: server.address });
  const taskQueue = `throughput-${setting.name}`;
  const { planning, scoring } = noopActivities(SHARDS);
  const workers = [
    await Worker.create({
      connection,
      taskQueue,
      workflowBundle,
      activities: planning,
      maxConcurrentActivityTaskExecutions: 8,
      ...setting.worker,
    }),
    await Worker.create({
      connection,
      taskQueue: scoringTaskQueue(taskQueue),
      activities: scoring,
      maxConcurrentActivityTaskExecutions: CONCURRENCY,
      ...setting.worker,
    }),
  ];
  const running = Promise.all(workers.map((w) => w.run()));
  const client = await BatchScoreClient.connect({ address: server.address, taskQueue });
  try {
    const started = performance.now();
    const serverCpu = server.cpuSeconds();
    const workerCpu = process.cpuUsage();
    const job = await client.startJob({
      input: '/synthetic',
      model: NOOP_MODEL.folder,
      output: tempDir('throughput-out'),
      concurrency: CONCURRENCY,
      ...(setting.batched ? {} : { shardRows: NOOP_SHARD_ROWS }),
    });
    const summary = await job.result();
    const seconds = (performance.now() - started) / 1000;
    const worker = process.cpuUsage(workerCpu);
    expect(summary.shards).toEqual({ planned: SHARDS, done: SHARDS, failed: 0 });
    return {
      seconds,
      perSecond: SHARDS / seconds,
      // CPU per 1,000 activities: what the machine's load does not change (the wall-clock rate does).
      serverCpuMs: ((server.cpuSeconds() - serverCpu) / SHARDS) * 1e6,
      workerCpuMs: ((worker.user + worker.system) / 1000 / SHARDS) * 1000,
    };
  } finally {
    await client.close();
    for (const w of workers) w.shutdown();
    await running;
    await connection.close();
    await server.stop();
  }
}

describe.skipIf(SHARDS === 0)(`no-op throughput, ${SHARDS} shards`, () => {
  it('completes a job per setting; prints activities per second', async () => {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: path.join(ROOT, 'dist', 'workflows', 'index.js'),
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
    });
    const lines = [
      '| setting | seconds | shards/s | 100,000 would take | server CPU ms / 1k shards | worker CPU ms / 1k shards |',
      '|---|---:|---:|---:|---:|---:|',
    ];
    for (const setting of SETTINGS.filter((s) => chosen.includes(s.name))) {
      const { seconds, perSecond, serverCpuMs, workerCpuMs } = await measure(setting, workflowBundle);
      const line = `| ${setting.name} | ${seconds.toFixed(1)} | ${perSecond.toFixed(1)} | ${(100_000 / perSecond / 60).toFixed(1)} min | ${serverCpuMs.toFixed(0)} | ${workerCpuMs.toFixed(0)} |`;
      console.log(line);
      lines.push(line);
    }
    console.log(`no-op throughput, ${SHARDS} shards, concurrency ${CONCURRENCY}:\n${lines.join('\n')}`);
  }, 7_200_000);
});
