/**
 * One benchmark measurement in its own process, so its peak RSS is its own:
 *   node dist/bench/stages.js '<StageRequest as JSON>'
 * Prints one JSON line (StageResult) on stdout. bench/run.ts starts these; docs/performance.md says what
 * each one times.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { scoreShard } from '../activities/score-shard.js';
import { parseJobSpec } from '../domain/job-spec.js';
import { planShards, type PlannedFile, type Shard } from '../domain/shard-plan.js';
import { ModelCache } from '../inference/model-cache.js';
import {
  loadModelFolder,
  ModelSession,
  ortSessionOptions,
  type SessionOptions,
} from '../inference/model-session.js';
import { buildFeatureMatrix } from '../inference/tensor.js';
import { ParquetFile } from '../parquet/reader.js';
import { storageFor } from '../storage/index.js';
import { compileWorkerOptions } from '../workers/options.js';

export type StageName = 'ceiling' | 'read' | 'e2e' | 'machine' | 'options';

export interface StageRequest {
  stage: StageName;
  dataDir: string;
  modelDir: string;
  /** e2e: shard size in rows (default: the job spec's default). */
  shardRows?: number;
  /** options: the session option sets to time, by label. */
  optionSets?: Record<string, SessionOptions & { concurrent?: number }>;
  /** options: how many row groups to time them on. */
  rowGroups?: number;
}

export interface StageResult {
  stage: StageName;
  rows: number;
  /** Seconds of the timed work (for ceiling: the sum of the run() calls alone). */
  seconds: number;
  /** Extra figures: the activity's own time split, read time per codec, option timings... */
  facts: Record<string, number | string>;
  /** process.resourceUsage().maxRSS of this process, in MiB. */
  peakRssMb: number;
  /** RSS after setup (modules loaded, model session created), before the timed work, in MiB. */
  startRssMb: number;
  /** User + system CPU seconds over the timed work. */
  cpuSeconds: number;
  wallSeconds: number;
}

const now = () => performance.now();

interface Context {
  files: PlannedFile[];
  modelDir: string;
  features: readonly string[];
  idColumns: string[];
  wanted: string[];
  rows: number;
}

async function context(dataDir: string, modelDir: string): Promise<Context> {
  const storage = storageFor(dataDir);
  const files: PlannedFile[] = [];
  for (const object of await storage.list(dataDir, '.parquet')) {
    const file = await ParquetFile.open(storage, object.uri);
    files.push({ uri: object.uri, rowGroupRows: file.rowGroupRows, bytes: object.size });
    await file.close();
  }
  const { contract } = await loadModelFolder(storageFor(modelDir), modelDir);
  const idColumns = contract.idColumns ?? [];
  const wanted = [...new Set([...contract.features, ...idColumns])];
  const rows = files.reduce((n, f) => n + f.rowGroupRows.reduce((a, b) => a + b, 0), 0);
  return { files, modelDir, features: contract.features, idColumns, wanted, rows };
}

function shardsOf(ctx: Context, shardRows?: number): Shard[] {
  // The shard size a job gets by default (JobSpec's shardRows default), unless the request names one.
  const defaults = parseJobSpec({ input: 'unused', model: ctx.modelDir, output: 'unused' });
  return planShards(ctx.files, shardRows ?? defaults.shardRows);
}

/**
 * An ONNX Runtime session on this thread, with the options ModelSession's inference threads use, for timing
 * run() alone. The bench model has no ZipMap, so its file is what the threads load.
 */
async function ortSessionOf(ctx: Context, options: SessionOptions = {}): Promise<ort.InferenceSession> {
  const { contract, onnxBytes } = await loadModelFolder(storageFor(ctx.modelDir), ctx.modelDir);
  if (contract.output.probabilitiesFormat === 'zipmap')
    throw new Error('the bench model must not use ZipMap');
  return ort.InferenceSession.create(onnxBytes, ortSessionOptions(options));
}

/** The fetches ModelSession.predict asks for: the label and the probabilities. */
function fetchesOf(model: ModelSession): string[] {
  const { output } = model.contract;
  return [output.prediction, ...(output.probabilities ? [output.probabilities] : [])];
}

/**
 * (b) Reading: ParquetFile.open, readRowGroup of the features and id columns (range reads, decompression,
 * decoding into Arrow vectors), close. Also timed per codec, since the files alternate snappy and zstd.
 */
async function read(ctx: Context) {
  let ms = 0;
  let rows = 0;
  const byCodec: Record<string, { ms: number; rows: number }> = {};
  let fast = 0;
  let slow = 0;
  for (const planned of ctx.files) {
    const t = now();
    const file = await ParquetFile.open(storageFor(planned.uri), planned.uri);
    for (let g = 0; g < file.rowGroupRows.length; g++) rows += (await file.readRowGroup(g, ctx.wanted)).rows;
    await file.close();
    const elapsed = now() - t;
    ms += elapsed;
    const codec = file.metadata.row_groups[0]?.columns[0]?.meta_data?.codec ?? 'unknown';
    const entry = (byCodec[codec] ??= { ms: 0, rows: 0 });
    entry.ms += elapsed;
    entry.rows += file.rows;
    fast += file.chunksDecoded.fast;
    slow += file.chunksDecoded.hyparquet;
  }
  const facts: Record<string, number> = { chunks_fast_path: fast, chunks_hyparquet: slow };
  for (const [codec, e] of Object.entries(byCodec)) {
    facts[`read_rows_per_s_${codec.toLowerCase()}`] = Math.round(e.rows / (e.ms / 1000));
  }
  return { ms, rows, facts };
}

/**
 * (a) The ceiling: ORT session.run() alone on prebuilt float32 tensors, 1 intra-op thread, with the
 * session options ModelSession uses. Reading and building the tensors is not timed.
 */
async function ceiling(ctx: Context, model: ModelSession) {
  const session = await ortSessionOf(ctx, { intraOpThreads: 1 });
  const input = model.contract.input;
  if (input.layout !== 'tensor') throw new Error('the bench assumes a model with one tensor input');
  const fetches = fetchesOf(model);
  let ms = 0;
  let rows = 0;
  for (const planned of ctx.files) {
    const file = await ParquetFile.open(storageFor(planned.uri), planned.uri);
    for (let g = 0; g < file.rowGroupRows.length; g++) {
      const batch = await file.readRowGroup(g, ctx.features);
      const vectors = ctx.features.map((f) => batch.columns.get(f)!);
      const tensor = new ort.Tensor('float32', buildFeatureMatrix(vectors, batch.rows), [
        batch.rows,
        vectors.length,
      ]);
      const t = now();
      await session.run({ [input.name]: tensor }, fetches);
      ms += now() - t;
      rows += batch.rows;
    }
    await file.close();
  }
  await session.release();
  return { ms, rows };
}

/** (c) The scoring activity's core, scoreShard, for every shard in turn (heartbeats dropped). */
async function endToEnd(ctx: Context, models: ModelCache, shards: Shard[], slots: number) {
  const { contract, sha256 } = await loadModelFolder(storageFor(ctx.modelDir), ctx.modelDir);
  const modelRef = { folder: ctx.modelDir, name: contract.name, version: contract.version, sha256 };
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'batch-score-bench-'));
  const split = { read: 0, infer: 0, write: 0 };
  let rows = 0;
  let bytes = 0;
  const queue = [...shards];
  try {
    const t = now();
    // (d) runs `slots` of these loops at once, as the worker's scoring slots take shards from its queue.
    const slot = async () => {
      for (let shard = queue.shift(); shard; shard = queue.shift()) {
        const result = await scoreShard(
          storageFor,
          models,
          { jobId: 'bench', shard, model: modelRef, output: out, idColumns: ctx.idColumns },
          { heartbeat: () => undefined },
        );
        if (result.reused) throw new Error(`shard ${shard.shardId} was reused, not scored`);
        rows += result.rows;
        bytes += result.partBytes;
        split.read += result.millis.read;
        split.infer += result.millis.infer;
        split.write += result.millis.write;
      }
    };
    await Promise.all(Array.from({ length: slots }, slot));
    return { ms: now() - t, rows, bytes, split };
  } finally {
    await fs.rm(out, { recursive: true, force: true });
  }
}

/** Session option sets timed against each other: run() alone on the same prebuilt tensors. */
async function sessionOptions(ctx: Context, request: StageRequest) {
  const tensors: ort.Tensor[] = [];
  let rows = 0;
  outer: for (const planned of ctx.files) {
    const file = await ParquetFile.open(storageFor(planned.uri), planned.uri);
    for (let g = 0; g < file.rowGroupRows.length; g++) {
      if (tensors.length >= (request.rowGroups ?? 8)) break outer;
      const batch = await file.readRowGroup(g, ctx.features);
      const vectors = ctx.features.map((f) => batch.columns.get(f)!);
      tensors.push(
        new ort.Tensor('float32', buildFeatureMatrix(vectors, batch.rows), [batch.rows, vectors.length]),
      );
      rows += batch.rows;
    }
    await file.close();
  }
  const facts: Record<string, number> = {};
  for (const [label, { concurrent = 1, ...options }] of Object.entries(request.optionSets ?? {})) {
    const model = await ModelSession.create(storageFor(ctx.modelDir), ctx.modelDir, options);
    const session = await ortSessionOf(ctx, options);
    const input = model.contract.input as { name: string };
    const fetches = fetchesOf(model);
    await session.run({ [input.name]: tensors[0]! }, fetches); // warm-up
    const queue = [...tensors];
    const cpu = process.cpuUsage();
    const t = now();
    await Promise.all(
      Array.from({ length: concurrent }, async () => {
        for (let x = queue.shift(); x; x = queue.shift()) await session.run({ [input.name]: x }, fetches);
      }),
    );
    const seconds = (now() - t) / 1000;
    const used = process.cpuUsage(cpu);
    facts[`${label}:rows_per_s`] = Math.round(rows / seconds);
    facts[`${label}:cpu_cores`] = Math.round(((used.user + used.system) / 1e6 / seconds) * 100) / 100;
    await session.release();
    await model.dispose();
  }
  return { ms: 0, rows, facts };
}

async function main(request: StageRequest): Promise<StageResult> {
  const ctx = await context(request.dataDir, request.modelDir);
  const facts: Record<string, number | string> = {};
  let model: ModelSession | undefined;
  let models: ModelCache | undefined;
  let slots = 1;
  if (request.stage === 'ceiling') {
    model = await ModelSession.create(storageFor(ctx.modelDir), ctx.modelDir, { intraOpThreads: 1 });
  } else if (request.stage === 'e2e') {
    models = new ModelCache(storageFor, { threads: 1, intraOpThreads: 1 });
  } else if (request.stage === 'machine') {
    // What a worker started with no settings chooses (workers/options.ts), on the cores it has.
    const options = compileWorkerOptions({});
    slots = options.scoringSlots;
    models = new ModelCache(storageFor, {
      threads: options.scoringSlots,
      intraOpThreads: options.ortThreads,
    });
    facts.scoring_slots = options.scoringSlots;
    facts.ort_threads = options.ortThreads;
  }
  if (models) await models.get(ctx.modelDir); // the session exists before timing, as in a running worker

  const startRssMb = process.memoryUsage().rss / 1024 / 1024;
  const cpu = process.cpuUsage();
  const wall = now();
  let ms: number;
  let rows: number;
  if (request.stage === 'read') {
    const r = await read(ctx);
    ({ ms, rows } = r);
    Object.assign(facts, r.facts);
  } else if (request.stage === 'ceiling') {
    ({ ms, rows } = await ceiling(ctx, model!));
  } else if (request.stage === 'e2e' || request.stage === 'machine') {
    const shards = shardsOf(ctx, request.stage === 'e2e' ? request.shardRows : undefined);
    const r = await endToEnd(ctx, models!, shards, slots);
    ({ ms, rows } = r);
    facts.shards = shards.length;
    facts.bytes_written = r.bytes;
    facts.activity_read_s = r.split.read / 1000;
    facts.activity_infer_s = r.split.infer / 1000;
    facts.activity_write_s = r.split.write / 1000;
  } else if (request.stage === 'options') {
    const r = await sessionOptions(ctx, request);
    ({ ms, rows } = r);
    Object.assign(facts, r.facts);
  } else throw new Error(`unknown stage ${String(request.stage)}`);
  const wallSeconds = (now() - wall) / 1000;
  if (rows !== ctx.rows && request.stage !== 'options')
    throw new Error(`${request.stage}: processed ${rows} rows, the dataset has ${ctx.rows}`);
  const used = process.cpuUsage(cpu);
  const result: StageResult = {
    stage: request.stage,
    rows,
    seconds: ms / 1000,
    facts,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    startRssMb,
    cpuSeconds: (used.user + used.system) / 1e6,
    wallSeconds,
  };
  await model?.dispose();
  await models?.dispose();
  return result;
}

main(JSON.parse(process.argv[2] ?? '{}') as StageRequest).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
