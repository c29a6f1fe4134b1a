import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidJobSpecError } from '../../domain/errors.js';
import { parseJobSpec } from '../../domain/job-spec.js';
import { AI4I_MODEL, AI4I_PARQUET, tempDir } from '../helpers/paths.js';
import { pythonClientVenv, runPythonClient, type PythonRun } from '../helpers/python.js';
import { useTestTemporal } from '../helpers/temporal.js';

/**
 * A data team's Python code drives batch-score: clients/python/score_job.py, on Temporal's Python SDK from
 * PyPI (in a project-local venv), starts "scoreJob" by name with a plain dict against a real dev server and
 * the real TypeScript workers, follows the "progress" query and awaits the summary.
 */
const t = useTestTemporal();
let python: string;

beforeAll(async () => {
  python = await pythonClientVenv();
}, 600_000);

function clientArgs(spec: Record<string, unknown>, jobId: string): string[] {
  return [
    '--address',
    t.server.address,
    '--namespace',
    t.server.namespace,
    '--task-queue',
    t.env.taskQueue,
    '--job-id',
    jobId,
    '--spec',
    JSON.stringify(spec),
    '--progress-every',
    '0.2',
  ];
}

function eventsOf(run: PythonRun, event: string): Array<Record<string, unknown>> {
  return run.events.filter((e) => e.event === event);
}

describe('the Python client (temporalio) on the AI4I sample', () => {
  const output = tempDir('python-client');
  const jobId = `python-${path.basename(output)}`;
  let first: PythonRun;

  beforeAll(async () => {
    first = await runPythonClient(
      python,
      clientArgs({ input: AI4I_PARQUET, model: AI4I_MODEL, output, shardRows: 2000 }, jobId),
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
  });

  it('starts the job by workflow name with the id it was given', () => {
    expect(first.events[0]).toMatchObject({ event: 'started', jobId });
    expect(first.events[0]!.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.events.at(-1)!.event).toBe('result');
  });

  it('reads progress as a plain dict, moving forward, and complete at the end', () => {
    const progress = eventsOf(first, 'progress').map((e) => e.progress as Record<string, unknown>);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (const p of progress) {
      expect(Object.keys(p)).toEqual(
        expect.arrayContaining([
          'phase',
          'shardsPlanned',
          'shardsDone',
          'shardsFailed',
          'shardsRunning',
          'rowsPlanned',
          'rowsScored',
          'paused',
          'concurrency',
        ]),
      );
      expect(['planning', 'scoring', 'finalizing', 'done']).toContain(p.phase);
      expect(p).not.toHaveProperty('partitions');
    }
    const scored = progress.map((p) => p.rowsScored as number);
    expect(scored).toEqual([...scored].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({
      phase: 'done',
      shardsPlanned: 8,
      shardsDone: 8,
      shardsFailed: 0,
      shardsRunning: 0,
      rowsPlanned: 10_000,
      rowsScored: 10_000,
      paused: false,
      concurrency: 8,
    });
  });

  it('gets the job summary as a dict: every row of the input scored', () => {
    const summary = eventsOf(first, 'result')[0]!.summary;
    expect(summary).toMatchObject({
      jobId,
      status: 'completed',
      rowsIn: 10_000,
      rowsScored: 10_000,
      rowsFailed: 0,
      shards: { planned: 8, done: 8, failed: 0 },
      failedShards: [],
      model: { name: 'ai4i-failure-hgb', version: '1.0.0' },
    });
  });

  it('is the same job the TypeScript SDK sees, with its summary line and files written', async () => {
    const summary = eventsOf(first, 'result')[0]!.summary;
    await expect(t.env.client.getJob(jobId).result()).resolves.toEqual(summary);
    const described = await t.env.client.client.workflow.getHandle(jobId).describe();
    await expect(described.staticSummary()).resolves.toBe(
      `score ${AI4I_PARQUET} with ${AI4I_MODEL} into ${output}`,
    );
    const parts = readdirSync(path.join(output, 'predictions')).filter((f) => f.endsWith('.parquet'));
    expect(parts).toHaveLength(8);
    for (const file of ['manifest.json', 'drift/report.json', 'drift/report.html'])
      expect(existsSync(path.join(output, file)), file).toBe(true);
  });

  it('gets the same run, not a second job, when started again with the same id', async () => {
    const again = await runPythonClient(
      python,
      clientArgs({ input: AI4I_PARQUET, model: AI4I_MODEL, output, shardRows: 2000 }, jobId),
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.events[0]).toEqual(first.events[0]);
    expect(eventsOf(again, 'result')).toEqual(eventsOf(first, 'result'));
  });
});

describe('the Python client with a bad dict', () => {
  it('fails the job at once and shows every bad field', async () => {
    const bad = { input: '', model: 42, shardRows: -5, colour: 'blue' };
    const expected = (() => {
      try {
        parseJobSpec(bad);
      } catch (error) {
        if (error instanceof InvalidJobSpecError) return error;
      }
      throw new Error('the bad spec parsed');
    })();
    // input, model, output (missing), shardRows and the unknown key: five problems, all reported.
    expect(expected.issues).toHaveLength(5);

    const run = await runPythonClient(python, clientArgs(bad, `python-bad-${Date.now()}`));
    expect(run.code).toBe(1);
    expect(eventsOf(run, 'progress')).toEqual([]);
    expect(eventsOf(run, 'failed')).toEqual([
      expect.objectContaining({
        type: 'InvalidJobSpecError',
        message: expected.message,
        issues: expected.issues,
      }),
    ]);
    expect(run.stderr).toContain('failed: InvalidJobSpecError: invalid job spec:');
  });
});
