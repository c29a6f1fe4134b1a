/**
 * One benchmark stage in its own process, so its peak RSS is its own:
 *   node dist/bench/stages.js <read|infer|write|e2e> <dataset dir> <model dir> <runs>
 * Prints one JSON line (StageResult) on stdout.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { scoreShard } from '../activities/score-shard.js';
import { parseJobSpec } from '../domain/job-spec.js';
import { planShards, type PlannedFile, type Shard } from '../domain/shard-plan.js';
import { ModelCache } from '../inference/model-cache.js';
import { loadModelFolder, ModelSession, type Predictions } from '../inference/model-session.js';
import { buildFeatureMatrix } from '../inference/tensor.js';
import { ParquetFile, type ColumnBatch } from '../parquet/reader.js';
import { PartWriter, type OutputColumn, type OutputValues } from '../parquet/writer.js';
import { storageFor } from '../storage/index.js';

export type StageName = 'read' | 'infer' | 'write' | 'e2e';

export interface StageResult {
  stage: StageName;
  rows: number;
  /** Milliseconds of each run, per measured quantity (e.g. read and tensor come from the same pass). */
  millis: Record<string, number[]>;
  /** Extra facts per stage: bytes, shard counts, the activity's own time split. */
  facts: Record<string, number | string>;
  /** process.resourceUsage().maxRSS of this process, in MiB. */
  peakRssMb: number;
  /** RSS after setup (modules loaded, model session created, warm-up), before the timed runs, in MiB. */
  startRssMb: number;
  /** User + system CPU seconds of this process over its timed runs, against their wall seconds. */
  cpuSeconds: number;
  wallSeconds: number;
}

const ID_COLUMNS = ['UDI'];
const now = () => performance.now();

interface Context {
  files: PlannedFile[];
  shards: Shard[];
  modelDir: string;
  features: readonly string[];
  wanted: string[];
  rows: number;
}

async function context(dataDir: string, modelDir: string): Promise<Context> {
  const storage = storageFor(dataDir);
  const objects = await storage.list(dataDir, '.parquet');
  const files: PlannedFile[] = [];
  for (const object of objects) {
    const file = await ParquetFile.open(storage, object.uri);
    files.push({ uri: object.uri, rowGroupRows: file.rowGroupRows, bytes: object.size });
    await file.close();
  }
  // The shard size a job gets by default (JobSpec's shardRows default), so parts look like a real job's.
  const { shardRows } = parseJobSpec({ input: dataDir, model: modelDir, output: 'unused' });
  const shards = planShards(files, shardRows);
  const { contract } = await loadModelFolder(storageFor(modelDir), modelDir);
  const wanted = [...new Set([...contract.features, ...ID_COLUMNS])];
  const rows = files.reduce((n, f) => n + f.rowGroupRows.reduce((a, b) => a + b, 0), 0);
  return { files, shards, modelDir, features: contract.features, wanted, rows };
}

/** Every row group of every shard, read (untimed) with the columns scoreShard reads. */
async function* batches(
  ctx: Context,
): AsyncGenerator<{ shard: Shard; file: ParquetFile; batch: ColumnBatch }> {
  for (const shard of ctx.shards) {
    const file = await ParquetFile.open(storageFor(shard.fileUri), shard.fileUri);
    try {
      for (let group = shard.rowGroupStart; group < shard.rowGroupEnd; group++) {
        yield { shard, file, batch: await file.readRowGroup(group, ctx.wanted) };
      }
    } finally {
      await file.close();
    }
  }
}

/** (a) ParquetFile.open + readRowGroup (decode to Arrow vectors) and (b) buildFeatureMatrix, in one pass. */
async function readAndTensor(ctx: Context) {
  let readMs = 0;
  let tensorMs = 0;
  let rows = 0;
  let bytesRead = 0;
  let scratch: Float32Array | undefined;
  for (const shard of ctx.shards) {
    let t = now();
    const file = await ParquetFile.open(storageFor(shard.fileUri), shard.fileUri);
    readMs += now() - t;
    for (let group = shard.rowGroupStart; group < shard.rowGroupEnd; group++) {
      t = now();
      const batch = await file.readRowGroup(group, ctx.wanted);
      readMs += now() - t;
      t = now();
      // As ModelSession.predict does: one reused scratch matrix.
      scratch = buildFeatureMatrix(
        ctx.features.map((f) => batch.columns.get(f)!),
        batch.rows,
        scratch,
      );
      tensorMs += now() - t;
      rows += batch.rows;
    }
    bytesRead += file.bytesRead;
    t = now();
    await file.close();
    readMs += now() - t;
  }
  return { readMs, tensorMs, rows, bytesRead };
}

/** ModelSession keeps its onnxruntime session private; the bench times that very session's run(). */
function ortSessionOf(model: ModelSession): ort.InferenceSession {
  const session = (model as unknown as { session?: Partial<ort.InferenceSession> }).session;
  if (typeof session?.run !== 'function' || !Array.isArray(session.outputNames)) {
    throw new Error('ModelSession no longer holds its ORT session in `session`; update bench/stages.ts');
  }
  return session as ort.InferenceSession;
}

/**
 * (c) Inference: ORT session.run() alone on a prebuilt float32 tensor, and ModelSession.predict() (tensor
 * build + run + output decoding) on the same batch. Batches are read and tensors built untimed.
 */
async function infer(ctx: Context, model: ModelSession) {
  const session = ortSessionOf(model);
  const input = model.contract.input;
  if (input.layout !== 'tensor') throw new Error('the bench assumes a model with one tensor input');
  let runMs = 0;
  let predictMs = 0;
  let rows = 0;
  let index = 0;
  for await (const { batch } of batches(ctx)) {
    const vectors = ctx.features.map((f) => batch.columns.get(f)!);
    const matrix = buildFeatureMatrix(vectors, batch.rows);
    const feeds = { [input.name]: new ort.Tensor('float32', matrix, [batch.rows, vectors.length]) };
    const timeRun = async () => {
      const t = now();
      // No fetch list: every graph output, i.e. the label and probabilities that predict() fetches.
      await session.run(feeds);
      runMs += now() - t;
    };
    const timePredict = async () => {
      const t = now();
      await model.predict(vectors, batch.rows);
      predictMs += now() - t;
    };
    // Alternate which goes first, so neither always gets the warmer caches.
    if (index++ % 2 === 0) {
      await timeRun();
      await timePredict();
    } else {
      await timePredict();
      await timeRun();
    }
    rows += batch.rows;
  }
  return { runMs, predictMs, rows };
}

/** The output columns scoreShard writes for a binary classifier with an int64 id column. */
function outputColumns(model: ModelSession): OutputColumn[] {
  if (model.contract.task !== 'binary_classification')
    throw new Error('the bench assumes a binary classifier');
  return [
    ...ID_COLUMNS.map((name): OutputColumn => ({ name, kind: 'int64' })),
    { name: 'prediction', kind: 'int64' },
    { name: 'probability', kind: 'float64' },
    { name: 'model_version', kind: 'string' },
  ];
}

function outputValues(
  model: ModelSession,
  batch: ColumnBatch,
  predictions: Predictions,
): Map<string, OutputValues> {
  const values = new Map<string, OutputValues>();
  for (const id of ID_COLUMNS) values.set(id, batch.columns.get(id)!);
  values.set('prediction', predictions.prediction);
  const probability = new Float64Array(batch.rows);
  for (let i = 0; i < batch.rows; i++) probability[i] = predictions.probabilities![2 * i + 1]!;
  values.set('probability', probability);
  values.set('model_version', new Array<string>(batch.rows).fill(model.contract.version));
  return values;
}

/**
 * (d) Parquet write: one part per shard into a temporary folder on local disk, as scoreShard writes them
 * (LocalStorage sink: temp file, fsync and rename on commit). Timed: createSink, PartWriter.write and
 * commit. Reading, inference and building the output columns are untimed.
 */
async function write(ctx: Context, model: ModelSession) {
  const columns = outputColumns(model);
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'batch-score-bench-write-'));
  const storage = storageFor(out);
  let writeMs = 0;
  let rows = 0;
  let bytes = 0;
  try {
    let part: PartWriter | undefined;
    let partShard: Shard | undefined;
    const commit = async () => {
      if (!part) return;
      const t = now();
      await part.commit();
      writeMs += now() - t;
      bytes += (await fs.stat(part.uri)).size;
    };
    for await (const { shard, batch } of batches(ctx)) {
      const predictions = await model.predict(
        ctx.features.map((f) => batch.columns.get(f)!),
        batch.rows,
      );
      const values = outputValues(model, batch, predictions);
      if (shard !== partShard) await commit();
      const t = now();
      if (shard !== partShard) {
        const sink = await storage.createSink(storage.join(out, `part-${shard.shardId}.parquet`));
        part = new PartWriter(sink, columns, { 'batch-score.shard_id': shard.shardId });
        partShard = shard;
      }
      await part!.write(batch.rows, values);
      writeMs += now() - t;
      rows += batch.rows;
    }
    await commit();
  } finally {
    await fs.rm(out, { recursive: true, force: true });
  }
  return { writeMs, rows, bytes };
}

/** (e) The scoring activity's core, scoreShard, for every shard in turn, heartbeats dropped. */
async function endToEnd(ctx: Context, models: ModelCache) {
  const { contract, sha256 } = await loadModelFolder(storageFor(ctx.modelDir), ctx.modelDir);
  const modelRef = { folder: ctx.modelDir, name: contract.name, version: contract.version, sha256 };
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'batch-score-bench-e2e-'));
  const split = { read: 0, infer: 0, write: 0 };
  let rows = 0;
  let bytes = 0;
  try {
    const t = now();
    for (const shard of ctx.shards) {
      const result = await scoreShard(
        storageFor,
        models,
        { jobId: 'bench', shard, model: modelRef, output: out, idColumns: ID_COLUMNS },
        { heartbeat: () => undefined },
      );
      if (result.reused) throw new Error(`shard ${shard.shardId} was reused, not scored`);
      rows += result.rows;
      bytes += result.partBytes;
      split.read += result.millis.read;
      split.infer += result.millis.infer;
      split.write += result.millis.write;
    }
    return { e2eMs: now() - t, rows, bytes, split };
  } finally {
    await fs.rm(out, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<StageResult> {
  const [stage, dataDir, modelDir, runsArg] = argv as [StageName, string, string, string];
  const runs = Math.max(1, Number(runsArg) || 1);
  const ctx = await context(dataDir, modelDir);
  const millis: Record<string, number[]> = {};
  const facts: Record<string, number | string> = { shards: ctx.shards.length, files: ctx.files.length };
  const add = (key: string, ms: number) => (millis[key] ??= []).push(ms);
  const check = (rows: number) => {
    if (rows !== ctx.rows) throw new Error(`${stage}: processed ${rows} rows, the dataset has ${ctx.rows}`);
  };

  let model: ModelSession | undefined;
  let models: ModelCache | undefined;
  if (stage === 'infer' || stage === 'write') {
    model = await ModelSession.create(storageFor(modelDir), modelDir, { intraOpThreads: 1 });
    // Warm-up: the first run() of a session allocates; not part of any timed pass.
    const file = await ParquetFile.open(storageFor(ctx.files[0]!.uri), ctx.files[0]!.uri);
    const batch = await file.readRowGroup(0, ctx.wanted);
    await file.close();
    await model.predict(
      ctx.features.map((f) => batch.columns.get(f)!),
      batch.rows,
    );
  }
  if (stage === 'e2e') models = new ModelCache(storageFor, { intraOpThreads: 1 });

  const startRssMb = process.memoryUsage().rss / 1024 / 1024;
  const cpu = process.cpuUsage();
  const wall = now();
  for (let run = 0; run < runs; run++) {
    if (stage === 'read') {
      const r = await readAndTensor(ctx);
      check(r.rows);
      add('read', r.readMs);
      add('tensor', r.tensorMs);
      facts.bytesRead = r.bytesRead;
    } else if (stage === 'infer') {
      const r = await infer(ctx, model!);
      check(r.rows);
      add('infer', r.runMs);
      add('predict', r.predictMs);
    } else if (stage === 'write') {
      const r = await write(ctx, model!);
      check(r.rows);
      add('write', r.writeMs);
      facts.bytesWritten = r.bytes;
    } else if (stage === 'e2e') {
      const r = await endToEnd(ctx, models!);
      check(r.rows);
      add('e2e', r.e2eMs);
      add('activity_read', r.split.read);
      add('activity_infer', r.split.infer);
      add('activity_write', r.split.write);
      facts.bytesWritten = r.bytes;
    } else throw new Error(`unknown stage ${String(stage)}`);
  }
  const used = process.cpuUsage(cpu);
  const result: StageResult = {
    stage,
    rows: ctx.rows,
    millis,
    facts,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    startRssMb,
    cpuSeconds: (used.user + used.system) / 1e6,
    wallSeconds: (now() - wall) / 1000,
  };
  await model?.dispose();
  await models?.dispose();
  return result;
}

main(process.argv.slice(2)).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
