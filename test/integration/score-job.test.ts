import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../activities/finalize-job.js';
import { JobFailedError } from '../../client/index.js';
import type { DriftReport } from '../../domain/drift-summary.js';
import { readNumericColumns } from '../helpers/golden.js';
import { AI4I_MODEL, AI4I_PARQUET, ROOT, sharedDataset, tempDir } from '../helpers/paths.js';
import { useTestTemporal, type TestWorkers } from '../helpers/temporal.js';

/** The main job end to end: a real Temporal dev server, real workers, the real sample model and data. */
const t = useTestTemporal();

describe('scoreJob on the AI4I sample', () => {
  const output = tempDir('ai4i-job');
  let summary: Awaited<ReturnType<Awaited<ReturnType<TestWorkers['client']['startJob']>>['result']>>;
  let finalProgress: Awaited<ReturnType<Awaited<ReturnType<TestWorkers['client']['startJob']>>['progress']>>;

  beforeAll(async () => {
    const job = await t.env.client.startJob({
      input: AI4I_PARQUET,
      model: AI4I_MODEL,
      output,
      shardRows: 2000,
      concurrency: 3,
    });
    summary = await job.result();
    finalProgress = await job.progress();
  });

  it('reports progress consistent with the result at the end', () => {
    expect(finalProgress).toMatchObject({
      phase: 'done',
      shardsPlanned: 8,
      shardsDone: 8,
      shardsFailed: 0,
      rowsPlanned: 10_000,
      rowsScored: 10_000,
      etaSeconds: 0,
    });
    expect(finalProgress.rowsPerSecond).toBeGreaterThan(0);
  });

  it('scores all 10,000 rows and says so', () => {
    expect(summary).toMatchObject({
      status: 'completed',
      rowsIn: 10_000,
      rowsScored: 10_000,
      rowsFailed: 0,
      // 4 files x row groups of 1000, 1000, 500 rows; shards of at most 2000 rows: 2 per file.
      shards: { planned: 8, done: 8, failed: 0 },
      model: { name: 'ai4i-failure-hgb', version: '1.0.0' },
    });
    expect(summary.drift.verdict).toBe('no_drift');
  });

  it('writes predictions equal to the training framework, row for row, by UDI', async () => {
    const parts = readdirSync(path.join(output, 'predictions')).filter((f) => f.endsWith('.parquet'));
    expect(parts).toHaveLength(8);
    const rows = new Map<number, { prediction: number; probability: number }>();
    for (const part of parts) {
      const columns = await readNumericColumns(path.join(output, 'predictions', part));
      columns.UDI!.forEach((udi, i) => {
        expect(rows.has(udi)).toBe(false);
        rows.set(udi, { prediction: columns.prediction![i]!, probability: columns.probability![i]! });
      });
    }
    expect(rows.size).toBe(10_000);
    const expected = await readNumericColumns(path.join(AI4I_MODEL, 'expected.parquet'));
    let maxDiff = 0;
    expected.UDI!.forEach((udi, i) => {
      const row = rows.get(udi)!;
      expect(row.prediction).toBe(expected.label![i]);
      maxDiff = Math.max(maxDiff, Math.abs(row.probability - expected.probability_1![i]!));
    });
    expect(maxDiff).toBeLessThanOrEqual(1e-5);
  });

  it('writes a manifest that accounts for every row and part', () => {
    const manifest = JSON.parse(readFileSync(path.join(output, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.status).toBe('completed');
    expect(manifest.totals).toEqual({
      rowsIn: 10_000,
      rowsScored: 10_000,
      rowsFailed: 0,
      rowsNotScored: 0,
      files: 4,
      shards: 8,
      parts: 8,
      failedShards: 0,
    });
    expect(manifest.failedShards).toEqual([]);
    expect(manifest.model.sha256).toMatch(/^[0-9a-f]{64}$/);
    for (const part of manifest.parts) {
      expect(existsSync(path.join(output, part.path))).toBe(true);
      expect(part.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(part.rowGroups.end).toBeGreaterThan(part.rowGroups.start);
    }
    expect(manifest.files.map((f) => f.rowsScored)).toEqual([2500, 2500, 2500, 2500]);
  });

  it('writes a drift report (JSON and HTML) against the model reference', () => {
    const report = JSON.parse(readFileSync(path.join(output, 'drift', 'report.json'), 'utf8')) as DriftReport;
    expect(report.verdict).toBe('no_drift');
    expect(report.features.map((f) => f.column)).toEqual([
      'Air temperature [K]',
      'Process temperature [K]',
      'Rotational speed [rpm]',
      'Torque [Nm]',
      'Tool wear [min]',
    ]);
    const torque = report.features.find((f) => f.column === 'Torque [Nm]')!;
    // Same data as the reference profile: identical counts, missing counts and distributions.
    expect(torque.current.count).toBe(torque.reference.count);
    expect(torque.current.missing).toBe(torque.reference.missing);
    expect(torque.current.missing).toBeGreaterThan(0);
    expect(torque.metrics.ks!.statistic).toBe(0);
    expect(torque.metrics.wasserstein!.distance).toBe(0);
    expect(torque.metrics.psi).toBe(0);
    expect(readFileSync(path.join(output, 'drift', 'report.html'), 'utf8')).toContain('No dataset drift');
  });

  it('leaves no temporary files', () => {
    const hidden = readdirSync(path.join(output, 'predictions')).filter((f) => f.startsWith('.'));
    expect(hidden).toEqual([]);
  });
});

describe('the workflow is deterministic', () => {
  it('replays a recorded job history with the current code', async () => {
    const job = await t.env.client.startJob({
      input: AI4I_PARQUET,
      model: AI4I_MODEL,
      output: tempDir('replay'),
      shardRows: 1000,
    });
    await job.result();
    const history = await job.workflow.fetchHistory();
    await expect(
      Worker.runReplayHistory(
        { workflowsPath: path.join(ROOT, 'dist', 'workflows', 'index.js') },
        history,
        job.jobId,
      ),
    ).resolves.toBeUndefined();
  });
});

describe('job ids are idempotent', () => {
  it('starting the same id twice follows the first run', async () => {
    const output = tempDir('idempotent');
    const spec = { input: path.join(AI4I_PARQUET, 'part-000.parquet'), model: AI4I_MODEL, output };
    const first = await t.env.client.startJob(spec, { jobId: 'idempotent-job' });
    const second = await t.env.client.startJob(spec, { jobId: 'idempotent-job' });
    const [a, b] = await Promise.all([first.result(), second.result()]);
    expect(b).toEqual(a);
    expect((await first.workflow.describe()).runId).toBe((await second.workflow.describe()).runId);
  });
});

describe('failures through the real workflow', () => {
  it('a malformed spec fails at once listing every bad field', async () => {
    const job = await t.env.client.startJob({ input: '', shardRows: 0 } as never);
    const error = await job.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    expect((error as JobFailedError).type).toBe('InvalidJobSpecError');
    for (const field of ['input', 'model', 'output', 'shardRows'])
      expect((error as Error).message).toContain(`${field}:`);
  });

  it('a corrupt page mid-dataset fails the job (no failures allowed by default) naming file, row group and column; no manifest', async () => {
    const input = tempDir('corrupt-input');
    cpSync(path.join(AI4I_PARQUET, 'part-000.parquet'), path.join(input, 'a.parquet'));
    cpSync(path.join(ROOT, 'test', 'fixtures', 'corrupt-page.parquet'), path.join(input, 'b.parquet'));
    const output = tempDir('corrupt-output');
    const job = await t.env.client.startJob({ input, model: AI4I_MODEL, output });
    const error = (await job.result().catch((e: unknown) => e)) as JobFailedError;
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.type).toBe('FailureThresholdExceededError');
    expect(error.message).toContain('1 of 2 shards failed, more than the 0 allowed');
    expect(error.message).toContain(
      `CorruptParquetError: ${path.join(input, 'b.parquet')}: row group 1, column "Air temperature [K]": page 1 fails its CRC-32 checksum`,
    );
    expect(existsSync(path.join(output, 'manifest.json'))).toBe(false);
    const hidden = readdirSync(path.join(output, 'predictions')).filter((f) => f.startsWith('.'));
    expect(hidden).toEqual([]);
  });

  it('a folder of non-Parquet files fails naming them', async () => {
    const input = tempDir('csv-input');
    cpSync(sharedDataset('ai4i2020', 'ai4i2020.csv'), path.join(input, 'ai4i2020.parquet'));
    const job = await t.env.client.startJob({ input, model: AI4I_MODEL, output: tempDir('csv-output') });
    const error = (await job.result().catch((e: unknown) => e)) as JobFailedError;
    expect(error.type).toBe('NotParquetError');
    expect(error.message).toContain(`${path.join(input, 'ai4i2020.parquet')} is not a Parquet file`);
  });
});
