import path from 'node:path';
import { compareToReference } from '../domain/drift-summary.js';
import { ReconciliationError } from '../domain/errors.js';
import type { FinalizeJobInput, FinalizeJobResult, ScoreShardResult } from '../domain/job.js';
import type { Shard } from '../domain/shard-plan.js';
import type { ModelCache } from '../inference/model-cache.js';
import { readReferenceProfile } from '../inference/reference-profile.js';
import type { Storage } from '../storage/index.js';
import type { PlanIndex } from './plan-job.js';
import { loadShards } from './plan-job.js';
import { outputLayout } from './output-layout.js';
import { PREDICTION_COLUMN, PROBABILITY_COLUMN } from './score-shard.js';

export interface ManifestPart {
  path: string;
  shardId: string;
  rows: number;
  bytes: number;
  sha256: string;
  sourceFile: string;
  rowGroups: { start: number; end: number };
  firstRow: number;
}

export interface Manifest {
  schemaVersion: 1;
  jobId: string;
  status: 'completed';
  startedAt: string;
  finishedAt: string;
  model: FinalizeJobInput['model'];
  totals: {
    rowsIn: number;
    rowsScored: number;
    rowsFailed: number;
    files: number;
    shards: number;
    parts: number;
  };
  files: Array<{ uri: string; rowsIn: number; rowsScored: number; rowsFailed: number; parts: number }>;
  parts: ManifestPart[];
  driftReport: string;
}

/**
 * Writes manifest.json and the drift report once every shard has a published part. Rows in must equal rows
 * scored, per file and in total, or the job fails closed and no manifest is written.
 */
export async function finalizeJob(
  storageFor: (uri: string) => Storage,
  models: ModelCache,
  input: FinalizeJobInput,
): Promise<FinalizeJobResult> {
  const storage = storageFor(input.output);
  const layout = outputLayout(storage, input.output);
  const plan = JSON.parse(new TextDecoder().decode(await storage.readAll(layout.planIndex))) as PlanIndex;
  const shards = await loadShards(storage, input.output, 0, plan.shards);

  const parts: ManifestPart[] = [];
  const problems: string[] = [];
  for (const shard of shards) {
    const record = await readShardRecord(storage, layout.shardRecord(shard.shardId));
    if (!record || !(await storage.stat(record.partUri))) {
      problems.push(`shard ${shard.shardId} (${shard.fileUri}) has no published part`);
      continue;
    }
    if (record.rows !== shard.rows) {
      problems.push(
        `shard ${shard.shardId} (${shard.fileUri}): ${shard.rows} rows in, ${record.rows} scored`,
      );
    }
    parts.push(manifestPart(input.output, shard, record));
  }
  const files = plan.files.map((file) => {
    const rowsIn = file.rowGroupRows.reduce((a, b) => a + b, 0);
    const fileParts = parts.filter((p) => p.sourceFile === file.uri);
    const rowsScored = fileParts.reduce((n, p) => n + p.rows, 0);
    if (rowsIn !== rowsScored) problems.push(`${file.uri}: ${rowsIn} rows in, ${rowsScored} scored`);
    return { uri: file.uri, rowsIn, rowsScored, rowsFailed: 0, parts: fileParts.length };
  });
  const rowsIn = plan.rows;
  const rowsScored = parts.reduce((n, p) => n + p.rows, 0);
  if (problems.length > 0 || rowsIn !== rowsScored) {
    throw new ReconciliationError(
      `job ${input.jobId}: rows in (${rowsIn}) != rows scored (${rowsScored}); no manifest written:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }

  const model = await models.get(input.model.folder);
  const reference = await readReferenceProfile(storage, input.model.folder, model.contract.reference);
  const predictionColumn =
    model.contract.task === 'binary_classification' ? PROBABILITY_COLUMN : PREDICTION_COLUMN;
  const drift = compareToReference(model.features, input.stats, reference?.stats, predictionColumn);
  const driftReport = {
    ...drift,
    jobId: input.jobId,
    model: input.model,
    referenceRows: reference?.rows ?? null,
    currentRows: rowsScored,
  };
  await storage.writeAll(layout.driftReport, JSON.stringify(driftReport, null, 2));

  const manifest: Manifest = {
    schemaVersion: 1,
    jobId: input.jobId,
    status: 'completed',
    startedAt: input.startedAt,
    finishedAt: new Date().toISOString(),
    model: input.model,
    totals: {
      rowsIn,
      rowsScored,
      rowsFailed: 0,
      files: files.length,
      shards: shards.length,
      parts: parts.length,
    },
    files,
    parts,
    driftReport: path.relative(input.output, layout.driftReport),
  };
  await storage.writeAll(layout.manifest, JSON.stringify(manifest, null, 2));
  return {
    manifestUri: layout.manifest,
    driftReportUri: layout.driftReport,
    drift,
    rowsIn,
    rowsScored,
    parts: parts.length,
  };
}

function manifestPart(output: string, shard: Shard, record: ScoreShardResult): ManifestPart {
  return {
    path: path.relative(output, record.partUri),
    shardId: shard.shardId,
    rows: record.rows,
    bytes: record.partBytes,
    sha256: record.partSha256,
    sourceFile: shard.fileUri,
    rowGroups: { start: shard.rowGroupStart, end: shard.rowGroupEnd },
    firstRow: shard.firstRow,
  };
}

async function readShardRecord(storage: Storage, uri: string): Promise<ScoreShardResult | undefined> {
  if (!(await storage.stat(uri))) return undefined;
  return JSON.parse(new TextDecoder().decode(await storage.readAll(uri))) as ScoreShardResult;
}
