import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { ModelContractError } from '../domain/errors.js';
import type { ScoreShardInput, ScoreShardResult } from '../domain/job.js';
import type { Shard } from '../domain/shard-plan.js';
import type { ReferenceBinning } from '../domain/drift/binning.js';
import { columnStatsOf, columnStatsOfCounts, mergeStats, type StatsByColumn } from '../domain/stats.js';
import type { ModelCache } from '../inference/model-cache.js';
import type { ModelSession, Predictions } from '../inference/model-session.js';
import { ReferenceBinnings } from '../inference/reference-profile.js';
import { toFloat64 } from '../inference/tensor.js';
import type { ColumnBatch } from '../parquet/reader.js';
import { valueCountsOf } from '../parquet/column-chunk.js';
import { ParquetFile, releaseBatch, releaseColumns } from '../parquet/reader.js';
import type { ColumnInfo } from '../parquet/schema.js';
import { PartWriter, type OutputColumn, type OutputValues } from '../parquet/writer.js';
import type { ObjectSink, Storage } from '../storage/index.js';
import { outputLayout } from './output-layout.js';

export interface ShardProgress {
  rowGroupsDone: number;
  rowsDone: number;
}

/** Hooks the activity wrapper gives the scorer; plain callbacks so the scorer runs outside Temporal too. */
export interface ShardHooks {
  heartbeat(progress: ShardProgress): void;
  /** Aborted when the activity is cancelled. */
  signal?: AbortSignal;
  /** Testing only: pause after each row group. */
  rowGroupDelayMs?: number;
}

export const PREDICTION_COLUMN = 'prediction';
export const PROBABILITY_COLUMN = 'probability';

/**
 * Scores one shard: reads its row groups one at a time (only the feature and id columns), runs the model,
 * and streams a predictions part that is published only when complete. A part already published for this
 * job and shard (an earlier attempt or run) is reused, not scored twice.
 */
export async function scoreShard(
  storageFor: (uri: string) => Storage,
  models: ModelCache,
  input: ScoreShardInput,
  hooks: ShardHooks,
): Promise<ScoreShardResult> {
  const started = performance.now();
  const { shard } = input;
  const outputStorage = storageFor(input.output);
  const layout = outputLayout(outputStorage, input.output);
  const recordUri = layout.shardRecord(shard.shardId);
  const partUri = layout.part(shard.shardId);

  const existing = await readRecord(outputStorage, recordUri);
  if (existing && sameShard(existing.shard, shard) && (await outputStorage.stat(partUri))) {
    const { shard: _shard, fileUri: _file, ...result } = existing;
    return { ...result, reused: true };
  }

  const model = await models.get(input.model.folder);
  if (model.sha256 !== input.model.sha256) {
    throw new ModelContractError(
      `${input.model.folder}: model.onnx changed during the job (planned sha256 ${input.model.sha256}, now ${model.sha256})`,
    );
  }
  // The reference profile's binning: shards sketch on it so their statistics merge into comparable ones.
  const reference = await referenceBinnings.get(
    storageFor(input.model.folder),
    input.model.folder,
    model.contract.reference,
  );
  const inputStorage = storageFor(shard.fileUri);
  const file = await ParquetFile.open(inputStorage, shard.fileUri);
  let part: PartWriter | undefined;
  const millis = { read: 0, infer: 0, write: 0, total: 0 };
  let stats: StatsByColumn = {};
  try {
    model.checkColumns(shard.fileUri, file.columns);
    const columns = outputColumns(
      model,
      input.idColumns.map((id) => file.column(id)!),
    );
    const hashing = hashingSink(await outputStorage.createSink(partUri));
    part = new PartWriter(hashing.sink, columns, {
      'batch-score.job_id': input.jobId,
      'batch-score.shard_id': shard.shardId,
      'batch-score.source_file': shard.fileUri,
      'batch-score.model': `${model.contract.name} ${model.contract.version} sha256:${model.sha256}`,
    });
    const wanted = [...new Set([...model.features, ...input.idColumns])];
    const predict = (batch: ColumnBatch) =>
      handled(
        model.predict(
          model.features.map((f) => batch.columns.get(f)!),
          batch.rows,
        ),
      );
    let rowsDone = 0;
    // Once the model has its matrix and the statistics are counted, only the id columns of a row group are
    // read again (into the output): a slot holds one whole row group, not two.
    const featuresOnly = model.features.filter((f) => !input.idColumns.includes(f));
    // A pipeline over the row groups: while the model scores row group g on its inference thread, this
    // thread counts g's feature statistics, reads and decodes g + 1 and sends it to the model (it queues
    // there and starts the moment g ends), then encodes and writes g's predictions. The model never waits
    // on this thread except for a shard's first read; only the last write is not hidden behind the model.
    let t = performance.now();
    let batch: ColumnBatch | undefined = await file.readRowGroup(shard.rowGroupStart, wanted);
    millis.read += performance.now() - t;
    let predicting: Promise<Predictions> | undefined = predict(batch);
    let nextPredicting: Promise<Predictions> | undefined;
    try {
      for (let group = shard.rowGroupStart; batch; group++) {
        if (hooks.signal?.aborted) throw hooks.signal.reason;
        const featureStats = featureStatsOf(model, batch, reference);
        releaseColumns(batch, featuresOnly);

        let next: ColumnBatch | undefined;
        if (group + 1 < shard.rowGroupEnd) {
          t = performance.now();
          next = await file.readRowGroup(group + 1, wanted);
          millis.read += performance.now() - t;
          nextPredicting = predict(next);
        }

        t = performance.now();
        const predictions = await predicting!;
        predicting = nextPredicting;
        nextPredicting = undefined;
        millis.infer += performance.now() - t;

        t = performance.now();
        const values = outputValues(model, input, batch, predictions);
        await part.write(batch.rows, values);
        stats = mergeStats(stats, { ...featureStats, ...predictionStatsOf(model, values, reference) });
        millis.write += performance.now() - t;

        // Encoded, counted and scored: nothing reads this row group again, so its buffers serve the next ones.
        releaseBatch(batch);
        rowsDone += batch.rows;
        hooks.heartbeat({ rowGroupsDone: group - shard.rowGroupStart + 1, rowsDone });
        if (hooks.rowGroupDelayMs) await pause(hooks.rowGroupDelayMs, hooks.signal);
        batch = next;
      }
    } finally {
      // Model runs still in flight when scoring stopped early: settle them before the shard ends.
      await Promise.allSettled([predicting, nextPredicting]);
    }
    if (hooks.signal?.aborted) throw hooks.signal.reason;
    await part.commit();
    const result: ScoreShardResult = {
      shardId: shard.shardId,
      rows: rowsDone,
      partUri,
      partBytes: hashing.bytes(),
      partSha256: hashing.digest(),
      stats,
      reused: false,
      millis: { ...millis, total: performance.now() - started },
    };
    await outputStorage.writeAll(recordUri, JSON.stringify({ ...result, fileUri: shard.fileUri, shard }));
    // A failure recorded by an earlier run of this job no longer describes the shard.
    await outputStorage.remove(layout.shardError(shard.shardId));
    return result;
  } catch (error) {
    await part?.abort().catch(() => undefined);
    throw error;
  } finally {
    await file.close();
  }
}

function outputColumns(model: ModelSession, idColumns: ColumnInfo[]): OutputColumn[] {
  const { contract } = model;
  const columns: OutputColumn[] = idColumns.map((c) => ({
    name: c.name,
    kind: c.kind as OutputColumn['kind'],
  }));
  if (contract.task === 'regression') columns.push({ name: PREDICTION_COLUMN, kind: 'float64' });
  else {
    const stringLabels = typeof contract.classes?.[0] === 'string';
    columns.push({ name: PREDICTION_COLUMN, kind: stringLabels ? 'string' : 'int64' });
    for (const name of probabilityColumns(model)) columns.push({ name, kind: 'float64' });
  }
  columns.push({ name: 'model_version', kind: 'string' });
  return columns;
}

/** `probability` for binary classifiers (of the second class), `probability_<class>` for multiclass. */
export function probabilityColumns(model: ModelSession): string[] {
  const { contract } = model;
  if (contract.task === 'binary_classification') return [PROBABILITY_COLUMN];
  if (contract.task === 'multiclass_classification')
    return (contract.classes ?? []).map((c) => `${PROBABILITY_COLUMN}_${c}`);
  return [];
}

function outputValues(
  model: ModelSession,
  input: ScoreShardInput,
  batch: ColumnBatch,
  predictions: Predictions,
): Map<string, OutputValues> {
  const values = new Map<string, OutputValues>();
  for (const id of input.idColumns) values.set(id, batch.columns.get(id)!);
  values.set(PREDICTION_COLUMN, predictions.prediction);
  const probabilityNames = probabilityColumns(model);
  const classes = model.contract.classes?.length ?? 0;
  const probabilities = predictions.probabilities;
  if (probabilities) {
    if (model.contract.task === 'binary_classification') {
      values.set(PROBABILITY_COLUMN, strided(probabilities, batch.rows, classes, 1));
    } else
      probabilityNames.forEach((name, k) => values.set(name, strided(probabilities, batch.rows, classes, k)));
  }
  values.set('model_version', new Array<string>(batch.rows).fill(model.contract.version));
  return values;
}

function strided(matrix: Float32Array, rows: number, width: number, column: number): Float64Array {
  const out = new Float64Array(rows);
  for (let i = 0, k = column; i < rows; i++, k += width) out[i] = matrix[k]!;
  return out;
}

/** Labels up to this many: counted per class, not per row (an array tally instead of a sketch per row). */
const SMALL_LABELS = 1024;

/** Statistics of int64 class labels: per class when they are small non-negative integers, else per row. */
function labelStatsOf(labels: BigInt64Array, target: ReturnType<SketchTargets>) {
  const words = new Int32Array(labels.buffer, labels.byteOffset, labels.length * 2);
  const counts = new Uint32Array(SMALL_LABELS);
  for (let i = 0; i < labels.length; i++) {
    const low = words[2 * i]!;
    if (words[2 * i + 1] !== 0 || low >>> 0 >= SMALL_LABELS)
      return columnStatsOf(int64ToFloat64(labels), undefined, target);
    counts[low]!++;
  }
  return columnStatsOfCounts(CLASS_VALUES, counts, target);
}

const CLASS_VALUES = Float64Array.from({ length: SMALL_LABELS }, (_, k) => k);

/** One parse of each model's reference binning per worker process (re-read, and re-parsed if it changed). */
const referenceBinnings = new ReferenceBinnings();

type SketchTargets = (
  column: string,
) => { binning: ReferenceBinning['columns'][string]; ref: string } | undefined;

function targetsOf(reference: ReferenceBinning | undefined): SketchTargets {
  return (column) => {
    const binning = reference?.columns[column];
    return reference && binning ? { binning, ref: reference.id } : undefined;
  };
}

/**
 * Statistics over the batch's features, keyed by column name. Columns the reference profile bins are also
 * sketched on that binning (histogram, quantile grid, value counts).
 */
function featureStatsOf(
  model: ModelSession,
  batch: ColumnBatch,
  reference: ReferenceBinning | undefined,
): StatsByColumn {
  const target = targetsOf(reference);
  const stats: StatsByColumn = {};
  for (const feature of model.features) {
    const vector = batch.columns.get(feature)!;
    // A dictionary-encoded column is counted per distinct value (about a fifth of the rows of a sensor).
    const distinct = valueCountsOf(vector);
    const column = distinct
      ? columnStatsOfCounts(distinct.values, distinct.counts, target(feature))
      : columnStatsOf(toFloat64(vector, batch.rows), undefined, target(feature));
    // Per row, null slots read as NaN: split them back out so the report tells nulls from NaN.
    if (!distinct) column.nans -= vector.nullCount;
    column.nulls = vector.nullCount;
    stats[feature] = column;
  }
  return stats;
}

/** Statistics over the numeric prediction columns (label and probabilities). */
function predictionStatsOf(
  model: ModelSession,
  values: Map<string, OutputValues>,
  reference: ReferenceBinning | undefined,
): StatsByColumn {
  const target = targetsOf(reference);
  const stats: StatsByColumn = {};
  for (const name of [PREDICTION_COLUMN, ...probabilityColumns(model)]) {
    const v = values.get(name);
    if (v instanceof Float64Array) stats[name] = columnStatsOf(v, undefined, target(name));
    else if (v instanceof BigInt64Array) stats[name] = labelStatsOf(v, target(name));
  }
  return stats;
}

/** int64 labels as doubles without a BigInt per value: high word * 2^32 + unsigned low word. */
function int64ToFloat64(values: BigInt64Array): Float64Array {
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = words[2 * i + 1]! * 4294967296 + (words[2 * i]! >>> 0);
  return out;
}

function hashingSink(sink: ObjectSink) {
  const hash = createHash('sha256');
  let bytes = 0;
  return {
    sink: {
      uri: sink.uri,
      write: async (chunk: Uint8Array) => {
        hash.update(chunk);
        bytes += chunk.length;
        await sink.write(chunk);
      },
      commit: () => sink.commit(),
      abort: () => sink.abort(),
    } satisfies ObjectSink,
    bytes: () => bytes,
    digest: () => hash.digest('hex'),
  };
}

/** A published part, with the shard it was scored from. */
type ShardRecord = ScoreShardResult & { shard: Shard; fileUri: string };

async function readRecord(storage: Storage, uri: string): Promise<ShardRecord | undefined> {
  if (!(await storage.stat(uri))) return undefined;
  return JSON.parse(new TextDecoder().decode(await storage.readAll(uri))) as ShardRecord;
}

/** The same file (by URI and size), the same row groups and rows: the part still describes this shard. */
function sameShard(a: Shard | undefined, b: Shard): boolean {
  return (
    a !== undefined &&
    a.fileUri === b.fileUri &&
    a.fileBytes === b.fileBytes &&
    a.rowGroupStart === b.rowGroupStart &&
    a.rowGroupEnd === b.rowGroupEnd &&
    a.rows === b.rows
  );
}

/**
 * Heartbeats through Temporal's activity context; used by the activity wrapper. The heartbeat carries the
 * checkpoint (row groups committed to the temporary part); a retried attempt rewrites the shard from its
 * first row group, because a Parquet part cannot be appended to once its writer is gone.
 */
export function temporalHooks(rowGroupDelayMs = 0): ShardHooks {
  const context = Context.current();
  return {
    heartbeat: (progress) => context.heartbeat(progress),
    signal: context.cancellationSignal,
    rowGroupDelayMs,
  };
}

/**
 * Marks a promise that is awaited later (the model run of the next row group) as handled at once: one that
 * fails while the shard awaits something else would otherwise be an unhandled rejection, which takes the
 * worker process down. The error still reaches the shard where the promise is awaited.
 */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
