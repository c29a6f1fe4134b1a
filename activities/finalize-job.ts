import { compareToReference, summarizeReport, type DriftSummary } from '../domain/drift-summary.js';
import type { FailedShard, FinalizeJobInput, FinalizeJobResult, ScoreShardResult } from '../domain/job.js';
import type { Shard } from '../domain/shard-plan.js';
import type { ModelCache } from '../inference/model-cache.js';
import { readReferenceProfile, referenceFor } from '../inference/reference-profile.js';
import { renderDriftReport } from '../report/html.js';
import type { Storage } from '../storage/index.js';
import type { PlanIndex } from './plan-job.js';
import { loadShards } from './plan-job.js';
import { outputLayout } from './output-layout.js';
import { reconcile, type FileAccount, type ShardOutcome } from './reconcile.js';
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
  status: FinalizeJobInput['status'];
  startedAt: string;
  finishedAt: string;
  model: FinalizeJobInput['model'];
  totals: {
    rowsIn: number;
    rowsScored: number;
    rowsFailed: number;
    rowsNotScored: number;
    files: number;
    shards: number;
    parts: number;
    failedShards: number;
  };
  files: FileAccount[];
  parts: ManifestPart[];
  failedShards: FailedShard[];
  driftReport: string;
}

/**
 * Writes manifest.json and the drift report once every shard is scored or failed (or, for a cancelled job,
 * never reached). Rows in must equal rows scored + rows failed (+ not scored), per file and in total, or
 * the job fails closed and no manifest is written.
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

  // Finished attempts may have left hidden temporary parts behind (a killed worker cannot clean up).
  await storage.removeTemporaries(layout.predictions);
  const outcomes = await mapBounded(shards, 16, (shard) => shardOutcome(storage, layout, shard));
  const account = reconcile(input.jobId, input.status, plan.files, outcomes);
  const { rowsIn, rowsScored } = account;
  const parts = outcomes.flatMap((o) =>
    o.kind === 'scored' ? [manifestPart(storage, input.output, o.shard, o.record)] : [],
  );
  const failedShards = outcomes.flatMap((o) => (o.kind === 'failed' ? [o.failure] : []));
  const files = account.files;

  const drift = await writeDriftReports(storage, models, input, layout, rowsScored);

  const manifest: Manifest = {
    schemaVersion: 1,
    jobId: input.jobId,
    status: input.status,
    startedAt: input.startedAt,
    finishedAt: new Date().toISOString(),
    model: input.model,
    totals: {
      rowsIn,
      rowsScored,
      rowsFailed: account.rowsFailed,
      rowsNotScored: account.rowsNotScored,
      files: files.length,
      shards: shards.length,
      parts: parts.length,
      failedShards: failedShards.length,
    },
    files,
    parts,
    failedShards,
    driftReport: storage.relative(input.output, layout.driftReport),
  };
  await storage.writeAll(layout.manifest, JSON.stringify(manifest, null, 2));
  return {
    manifestUri: layout.manifest,
    driftReportUri: layout.driftReport,
    drift,
    rowsIn,
    rowsScored,
    rowsFailed: account.rowsFailed,
    rowsNotScored: account.rowsNotScored,
    parts: parts.length,
  };
}

async function shardOutcome(
  storage: Storage,
  layout: ReturnType<typeof outputLayout>,
  shard: Shard,
): Promise<ShardOutcome> {
  const record = await readJson<ScoreShardResult>(storage, layout.shardRecord(shard.shardId));
  if (record && (await storage.stat(record.partUri))) return { shard, kind: 'scored', record };
  const failure = await readJson<FailedShard>(storage, layout.shardError(shard.shardId));
  if (failure) return { shard, kind: 'failed', failure };
  return { shard, kind: 'not_scored' };
}

async function readJson<T>(storage: Storage, uri: string): Promise<T | undefined> {
  if (!(await storage.stat(uri))) return undefined;
  return JSON.parse(new TextDecoder().decode(await storage.readAll(uri))) as T;
}

/** Maps with at most `limit` calls in flight: a million shard records are read in parallel, not all at once. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

function manifestPart(
  storage: Storage,
  output: string,
  shard: Shard,
  record: ScoreShardResult,
): ManifestPart {
  return {
    path: storage.relative(output, record.partUri),
    shardId: shard.shardId,
    rows: record.rows,
    bytes: record.partBytes,
    sha256: record.partSha256,
    sourceFile: shard.fileUri,
    rowGroups: { start: shard.rowGroupStart, end: shard.rowGroupEnd },
    firstRow: shard.firstRow,
  };
}

/**
 * The drift part of finalizing: <output>/drift/report.json and report.html, comparing the merged shard
 * statistics with the model's reference profile. Without a usable profile both are still written, with
 * verdict no_reference and the reason.
 */
async function writeDriftReports(
  storage: Storage,
  models: ModelCache,
  input: FinalizeJobInput,
  layout: ReturnType<typeof outputLayout>,
  currentRows: number,
): Promise<DriftSummary> {
  const model = await models.get(input.model.folder);
  const profile = await readReferenceProfile(storage, input.model.folder, model.contract.reference);
  const side = referenceFor(profile);
  const report = compareToReference({
    features: model.features,
    predictionColumn:
      model.contract.task === 'binary_classification' ? PROBABILITY_COLUMN : PREDICTION_COLUMN,
    current: input.stats,
    currentRows,
    reference:
      'reference' in side
        ? { ...side.reference, source: sourceUri(storage, input.model.folder, side.reference.source) }
        : undefined,
    noReferenceReason: 'reason' in side ? side.reason : undefined,
  });
  report.job = {
    id: input.jobId,
    status: input.status,
    model: { name: input.model.name, version: input.model.version, sha256: input.model.sha256 },
    generatedAt: new Date().toISOString(),
  };
  if (input.status !== 'completed')
    report.notes.unshift(`The job is ${input.status}: the current data is the ${currentRows} rows scored.`);
  const htmlUri = layout.driftReportHtml;
  await storage.writeAll(layout.driftReport, `${JSON.stringify(report, null, 2)}\n`);
  await storage.writeAll(htmlUri, renderDriftReport(report));
  return summarizeReport(report, htmlUri);
}

/** A profile names a local reference relative to the model folder; the report names it in full. */
function sourceUri(storage: Storage, folder: string, source: string): string {
  return /^([a-z][a-z0-9+.-]*:\/\/|\/)/i.test(source) ? source : storage.join(folder, source);
}
