import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { datasetStats } from '../../activities/profile.js';
import type { JobSummary } from '../../domain/job.js';
import { buildDriftReport } from '../../domain/drift/compare.js';
import type { DriftReport } from '../../domain/drift/report.js';
import { summarize } from '../../domain/stats.js';
import { ModelSession } from '../../inference/model-session.js';
import {
  parseReferenceProfile,
  referenceFor,
  type ReferenceProfile,
} from '../../inference/reference-profile.js';
import { toFloat64 } from '../../inference/tensor.js';
import { ParquetFile } from '../../parquet/reader.js';
import { PartWriter, type OutputColumn, type OutputValues } from '../../parquet/writer.js';
import { storageFor } from '../../storage/index.js';
import { DATASETS, tempDir } from '../helpers/paths.js';
import { useTestTemporal } from '../helpers/temporal.js';

/**
 * Drift through the real path: a Temporal dev server, the scoreJob workflow, scoring activities that
 * sketch their shards, the workflow merging them, finalizeJob writing report.json and report.html.
 */
const CMAPSS_MODEL = path.join(DATASETS, 'cmapss', 'model');
const CMAPSS_TEST = path.join(DATASETS, 'cmapss', 'parquet', 'test');
const CMAPSS_TRAIN = path.join(DATASETS, 'cmapss', 'parquet', 'train');

const t = useTestTemporal();

async function score(
  input: string,
  model: string,
): Promise<{ summary: JobSummary; report: DriftReport; output: string }> {
  const output = tempDir('drift-e2e');
  const job = await t.env.client.startJob({ input, model, output, shardRows: 2000, concurrency: 4 });
  const summary = await job.result();
  const report = JSON.parse(readFileSync(path.join(output, 'drift', 'report.json'), 'utf8')) as DriftReport;
  return { summary, report, output };
}

function cmapssProfile(): ReferenceProfile {
  const text = readFileSync(path.join(CMAPSS_MODEL, 'reference_profile.json'), 'utf8');
  const profile = parseReferenceProfile(CMAPSS_MODEL, text);
  if (profile.schemaVersion !== 2) throw new Error('the C-MAPSS profile must be schema 2');
  return profile;
}

describe('C-MAPSS FD001 test scored against the train reference', () => {
  let result: Awaited<ReturnType<typeof score>>;

  beforeAll(async () => {
    result = await score(CMAPSS_TEST, CMAPSS_MODEL);
  });

  it('writes report.json and a self-contained report.html, and the job summary carries the verdict', () => {
    const { summary, report, output } = result;
    expect(summary.drift).toMatchObject({ verdict: 'drift', features: 17, tested: 17 });
    expect(summary.drift.driftedFeatures).toHaveLength(14);
    expect(summary.drift.htmlReport).toBe(path.join(output, 'drift', 'report.html'));
    expect(report).toMatchObject({ schema: 'batch-score/drift-report', schemaVersion: 2, verdict: 'drift' });
    expect(report.job).toMatchObject({ id: summary.jobId, status: 'completed' });
    const html = readFileSync(summary.drift.htmlReport!, 'utf8');
    expect(html).toContain('Dataset drift detected');
    expect(html).not.toMatch(/<script|<link|https?:\/\/(?!www\.w3\.org)/);
  });

  it('merging the shard sketches gives exactly the report of one pass over the data', async () => {
    const model = await ModelSession.create(storageFor(CMAPSS_MODEL), CMAPSS_MODEL);
    try {
      const profile = cmapssProfile();
      const onePass = await datasetStats(storageFor(CMAPSS_TEST), CMAPSS_TEST, model, {
        id: profile.id,
        columns: profile.binning,
      });
      const side = referenceFor(profile);
      if (!('reference' in side)) throw new Error(side.reason);
      const direct = buildDriftReport({
        features: model.features,
        predictionColumn: 'prediction',
        current: onePass.stats,
        currentRows: onePass.rows,
        reference: side.reference,
      });
      expect(result.summary.shards.done).toBe(9); // 2 files in row groups of 2,000 rows
      for (const [i, f] of result.report.features.entries()) {
        const d = direct.features[i]!;
        // Counts are exact; moments agree up to the rounding of merging in another order.
        expect(f.metrics).toEqual(d.metrics);
        expect(f.chart).toEqual(d.chart);
        expect(f.current.count).toBe(d.current.count);
        expect(f.current.mean!).toBeCloseTo(d.current.mean!, 9);
      }
    } finally {
      await model.dispose();
    }
  });
});

describe('a deliberately shifted copy: one sensor offset by two reference standard deviations', () => {
  it('flags exactly that sensor', async () => {
    const profile = cmapssProfile();
    const offset = 2 * summarize(profile.stats.sensor_11!).std!;
    const input = tempDir('shifted-input');
    // Every engine's odd cycles from the training data (not the reference rows themselves), sensor_11 moved.
    await writeShiftedCopy(CMAPSS_TRAIN, input, 'sensor_11', offset, (cycle) => cycle % 2 === 1);
    const { summary, report } = await score(input, CMAPSS_MODEL);
    expect(summary.drift.driftedFeatures).toEqual(['sensor_11']);
    const sensor = report.features.find((f) => f.column === 'sensor_11')!;
    expect(sensor.test!.name).toBe('wasserstein');
    expect(sensor.test!.value).toBeCloseTo(2, 1);
    expect(
      Math.max(...report.features.filter((f) => f.column !== 'sensor_11').map((f) => f.score)),
    ).toBeLessThan(1);
    expect(summary.drift.verdict).toBe('no_drift'); // 1 of 17 features: below the dataset share
  });
});

describe('a model without a reference profile', () => {
  it('still writes both reports, with verdict no_reference', async () => {
    const folder = tempDir('model-no-reference');
    cpSync(CMAPSS_MODEL, folder, { recursive: true });
    rmSync(path.join(folder, 'reference_profile.json'));
    const contract = JSON.parse(readFileSync(path.join(folder, 'model.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    delete contract.reference;
    writeFileSync(path.join(folder, 'model.json'), JSON.stringify(contract, null, 2));
    const { summary, output } = await score(path.join(CMAPSS_TEST, 'part-000.parquet'), folder);
    expect(summary.drift).toMatchObject({ verdict: 'no_reference', driftedFeatures: [] });
    expect(existsSync(path.join(output, 'drift', 'report.html'))).toBe(true);
    expect(readFileSync(path.join(output, 'drift', 'report.html'), 'utf8')).toContain(
      'No reference to compare with',
    );
  });
});

/** Copies a dataset's feature and id columns row group by row group, keeping some rows and shifting one column. */
async function writeShiftedCopy(
  source: string,
  target: string,
  column: string,
  offset: number,
  keepCycle: (cycle: number) => boolean,
): Promise<void> {
  const storage = storageFor(source);
  mkdirSync(target, { recursive: true });
  for (const object of await storage.list(source, '.parquet')) {
    const file = await ParquetFile.open(storage, object.uri);
    const columns: OutputColumn[] = file.columns
      .filter((c) => c.kind === 'float64' || c.kind === 'int64')
      .map((c) => ({ name: c.name, kind: c.kind as OutputColumn['kind'] }));
    const uri = path.join(target, path.basename(object.uri));
    const writer = new PartWriter(await storageFor(uri).createSink(uri), columns);
    try {
      for (let group = 0; group < file.rowGroupRows.length; group++) {
        const batch = await file.readRowGroup(
          group,
          columns.map((c) => c.name),
        );
        const cycles = toFloat64(batch.columns.get('cycle')!, batch.rows);
        const keep = [...cycles.keys()].filter((i) => keepCycle(cycles[i]!));
        const values = new Map<string, OutputValues>();
        for (const c of columns) {
          const vector = batch.columns.get(c.name)!;
          if (c.kind === 'int64')
            values.set(
              c.name,
              BigInt64Array.from(keep, (i) => BigInt(vector.get(i) as bigint)),
            );
          else {
            const all = toFloat64(vector, batch.rows);
            values.set(
              c.name,
              Float64Array.from(keep, (i) => all[i]! + (c.name === column ? offset : 0)),
            );
          }
        }
        await writer.write(keep.length, values);
      }
      await writer.commit();
    } finally {
      await file.close();
    }
  }
}
