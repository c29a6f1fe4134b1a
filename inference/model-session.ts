import { createHash } from 'node:crypto';
import os from 'node:os';
import type * as arrow from 'apache-arrow';
import type * as ort from 'onnxruntime-node';
import { messageOf, ModelContractError, SchemaMismatchError } from '../domain/errors.js';
import { isNumericKind, type ColumnInfo } from '../parquet/schema.js';
import type { Storage } from '../storage/index.js';
import { InferencePool, type RunResult } from './inference-pool.js';
import type { Feed, OutputTensor } from './inference-protocol.js';
import { parseModelContract, type ModelContract } from './model-contract.js';
import { looksLikeOnnxModel, stripZipMap } from './onnx-graph.js';
import { buildFeatureColumns, buildFeatureMatrix } from './tensor.js';

/** Model outputs of one batch as plain typed arrays. */
export interface Predictions {
  rows: number;
  /** Predicted class (classifiers: int64 or string labels) or value (regressors, float64). */
  prediction: BigInt64Array | Float64Array | string[];
  /** Row-major [rows, classes] class probabilities, classifiers only. */
  probabilities?: Float32Array;
}

export interface SessionOptions {
  /**
   * Inference threads (one ONNX Runtime session each): the most batches of this model run at once. Default:
   * the cores available. A worker sets it to its scoring slots.
   */
  threads?: number;
  /** ONNX Runtime intra-op threads per session. Default 1: parallelism comes from concurrent shards. */
  intraOpThreads?: number;
  /**
   * The rest of ONNX Runtime's session options, for measuring them (bench/session-options): the defaults
   * are the ones docs/performance.md's measurements chose. Intra-op threads spin while waiting for work
   * unless `spinning` is false; spinning burns a core that concurrent shards could use.
   */
  interOpThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  enableCpuMemArena?: boolean;
  enableMemPattern?: boolean;
  spinning?: boolean;
}

/** Session options every session gets unless the caller says otherwise (see SessionOptions). */
export const DEFAULT_SESSION_OPTIONS = {
  intraOpThreads: 1,
  interOpThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
  enableCpuMemArena: true,
  enableMemPattern: true,
  spinning: false,
} as const satisfies Required<Omit<SessionOptions, 'threads'>>;

/** SessionOptions, over the defaults, as onnxruntime-node takes them. */
export function ortSessionOptions(options: SessionOptions = {}): ort.InferenceSession.SessionOptions {
  const o = { ...DEFAULT_SESSION_OPTIONS, ...withoutUndefined(options) };
  return {
    intraOpNumThreads: o.intraOpThreads,
    interOpNumThreads: o.interOpThreads,
    executionMode: o.executionMode,
    graphOptimizationLevel: o.graphOptimizationLevel,
    enableCpuMemArena: o.enableCpuMemArena,
    enableMemPattern: o.enableMemPattern,
    extra: { session: { intra_op: { allow_spinning: o.spinning ? '1' : '0' } } },
  };
}

export interface LoadedModel {
  contract: ModelContract;
  sha256: string;
  onnxBytes: Uint8Array;
}

/**
 * The ONNX Runtime facade: verifies the folder against model.json, maps Parquet columns to inputs, and
 * decodes outputs (tensors or ZipMap, int64 or string labels) into typed arrays. The model runs on
 * inference threads (InferencePool), never on the caller's thread. Create with `create()`; `dispose()`
 * stops the threads.
 */
export class ModelSession {
  private readonly matrices = new MatrixPool();

  private constructor(
    readonly folder: string,
    readonly contract: ModelContract,
    readonly sha256: string,
    private readonly pool: InferencePool,
    private readonly probabilitiesOutput: string | undefined,
  ) {}

  static async create(storage: Storage, folder: string, options: SessionOptions = {}): Promise<ModelSession> {
    const loaded = await loadModelFolder(storage, folder);
    return ModelSession.fromLoaded(storage, folder, loaded, options);
  }

  static async fromLoaded(
    storage: Storage,
    folder: string,
    { contract, sha256, onnxBytes }: LoadedModel,
    options: SessionOptions = {},
  ): Promise<ModelSession> {
    const onnxUri = storage.join(folder, contract.onnx.file);
    let bytes = onnxBytes;
    let probabilitiesOutput = contract.output.probabilities;
    if (contract.output.probabilitiesFormat === 'zipmap') {
      const rewrite = stripZipMap(onnxBytes, onnxUri);
      if (rewrite.removedOutput !== contract.output.probabilities) {
        throw new ModelContractError(
          `${folder}/model.json: output.probabilities is "${contract.output.probabilities}" but the ZipMap output is "${rewrite.removedOutput}"`,
        );
      }
      bytes = rewrite.model;
      probabilitiesOutput = rewrite.probabilities;
    }
    let pool: InferencePool;
    try {
      pool = await InferencePool.create(
        { model: bytes, sessionOptions: ortSessionOptions(options) },
        options.threads ?? os.availableParallelism(),
      );
    } catch (error) {
      throw new ModelContractError(`${onnxUri}: ONNX Runtime cannot load the model: ${messageOf(error)}`, {
        cause: error,
      });
    }
    const model = new ModelSession(folder, contract, sha256, pool, probabilitiesOutput);
    model.checkGraph();
    return model;
  }

  get features(): readonly string[] {
    return this.contract.features;
  }

  /** Fails with SchemaMismatchError naming the file and column when a feature is missing or not numeric. */
  checkColumns(file: string, columns: readonly ColumnInfo[]): void {
    const problems: string[] = [];
    for (const feature of this.contract.features) {
      const column = columns.find((c) => c.name === feature);
      if (!column) problems.push(`missing feature column "${feature}"`);
      else if (!isNumericKind(column.kind)) {
        problems.push(`feature column "${feature}" has type ${column.parquetType}; the model needs a number`);
      }
    }
    if (problems.length > 0) {
      throw new SchemaMismatchError(
        `${file}: ${problems.join('; ')} (model ${this.contract.name} ${this.contract.version})`,
      );
    }
  }

  /** Runs the model on an inference thread; the calling thread only builds the input matrix. */
  async predict(features: readonly arrow.Vector[], rows: number): Promise<Predictions> {
    const input = this.contract.input;
    let feeds: Feed[];
    if (input.layout === 'tensor') {
      // Each call takes a matrix of its own from the pool (calls of concurrent shards overlap); the thread
      // hands its buffer back with the outputs.
      const width = features.length;
      const matrix = this.matrices.take(rows * width);
      feeds = [{ name: input.name, data: buildFeatureMatrix(features, rows, matrix), dims: [rows, width] }];
    } else {
      feeds = buildFeatureColumns(features, rows).map((column, j) => ({
        name: input.names[j]!,
        data: column,
        dims: [rows, 1],
      }));
    }
    const fetches = [
      this.contract.output.prediction,
      ...(this.probabilitiesOutput ? [this.probabilitiesOutput] : []),
    ];
    let result: RunResult | undefined;
    try {
      result = await this.pool.run(feeds, fetches);
      return this.decode(result.outputs, rows);
    } finally {
      // Moved back from the thread (or, when the thread died, lost with it).
      if (input.layout === 'tensor' && result) this.matrices.give(new Float32Array(result.inputs[0]!.buffer));
    }
  }

  /** Inference threads running now (they start on demand, up to SessionOptions.threads). */
  get threads(): number {
    return this.pool.size;
  }

  async dispose(): Promise<void> {
    await this.pool.dispose();
  }

  private decode(results: Record<string, OutputTensor>, rows: number): Predictions {
    const where = `${this.folder} (${this.contract.name} ${this.contract.version})`;
    const predictionTensor = results[this.contract.output.prediction];
    if (!predictionTensor)
      throw new ModelContractError(`${where}: no output "${this.contract.output.prediction}"`);
    if (predictionTensor.data.length !== rows) {
      throw new ModelContractError(
        `${where}: output "${this.contract.output.prediction}" has ${predictionTensor.data.length} values for ${rows} rows (shape [${predictionTensor.dims.join(', ')}])`,
      );
    }
    let prediction: Predictions['prediction'];
    const data = predictionTensor.data;
    if (this.contract.task === 'regression') {
      prediction = Float64Array.from(data as Float32Array);
    } else if (data instanceof BigInt64Array) {
      prediction = data;
    } else if (data instanceof Int32Array) {
      prediction = BigInt64Array.from(data, (v) => BigInt(v));
    } else if (Array.isArray(data)) {
      prediction = data;
    } else {
      throw new ModelContractError(
        `${where}: label output has type ${predictionTensor.type}; expected int64 or string`,
      );
    }
    if (!this.probabilitiesOutput) return { rows, prediction };
    const probabilities = results[this.probabilitiesOutput];
    const classes = this.contract.classes?.length ?? 0;
    if (!probabilities || probabilities.type !== 'float32' || probabilities.data.length !== rows * classes) {
      throw new ModelContractError(
        `${where}: probabilities output "${this.probabilitiesOutput}" should be float32 [${rows}, ${classes}], got ${probabilities?.type} [${probabilities?.dims.join(', ')}]`,
      );
    }
    return { rows, prediction, probabilities: probabilities.data as Float32Array };
  }

  /** Checks input and output names and the feature count against the graph, before any data is read. */
  private checkGraph(): void {
    const where = `${this.folder}/model.json`;
    const { input, output, features } = this.contract;
    const graph = this.pool.graph;
    const inputNames = input.layout === 'tensor' ? [input.name] : input.names;
    for (const name of inputNames) {
      if (!graph.inputNames.includes(name)) {
        throw new ModelContractError(
          `${where}: input "${name}" is not in the model (inputs: ${graph.inputNames.join(', ')})`,
        );
      }
    }
    if (input.layout === 'tensor') {
      const width = graph.inputs.find((m) => m.name === input.name)?.shape[1];
      if (typeof width === 'number' && width !== features.length) {
        throw new ModelContractError(
          `${where}: lists ${features.length} features but model input "${input.name}" takes ${width}`,
        );
      }
    }
    for (const name of [output.prediction, this.probabilitiesOutput]) {
      if (name && !graph.outputNames.includes(name)) {
        throw new ModelContractError(
          `${where}: output "${name}" is not in the model (outputs: ${graph.outputNames.join(', ')})`,
        );
      }
    }
  }
}

/** Reads and verifies a model folder: model.json against the schema, model.onnx against its sha256. */
export async function loadModelFolder(storage: Storage, folder: string): Promise<LoadedModel> {
  const jsonUri = storage.join(folder, 'model.json');
  const info = await storage.stat(jsonUri);
  if (!info) throw new ModelContractError(`model folder ${folder} does not exist or has no model.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(await storage.readAll(jsonUri)));
  } catch (error) {
    throw new ModelContractError(`${jsonUri} is not valid JSON: ${String(error)}`, { cause: error });
  }
  const contract = parseModelContract(raw, jsonUri);
  const onnxUri = storage.join(folder, contract.onnx.file);
  if (!(await storage.stat(onnxUri)))
    throw new ModelContractError(`${onnxUri} does not exist (named by ${jsonUri})`);
  const onnxBytes = await storage.readAll(onnxUri);
  const sha256 = createHash('sha256').update(onnxBytes).digest('hex');
  if (sha256 !== contract.onnx.sha256) {
    throw new ModelContractError(
      `${onnxUri}: checksum mismatch: model.json says sha256 ${contract.onnx.sha256}, the file has ${sha256}`,
    );
  }
  if (!looksLikeOnnxModel(onnxBytes)) throw new ModelContractError(`${onnxUri} is not an ONNX model`);
  return { contract, sha256, onnxBytes };
}

/**
 * Feature matrices reused from batch to batch: a 122,880-row batch of 20 features is a 9.8 MB matrix, and
 * allocating (and zeroing) one per batch costs as much as filling it. Holds a few, for concurrent shards.
 */
class MatrixPool {
  private readonly free: Float32Array[] = [];

  take(length: number): Float32Array {
    const i = this.free.findIndex((m) => m.length >= length);
    return i >= 0 ? this.free.splice(i, 1)[0]! : new Float32Array(length);
  }

  give(matrix: Float32Array): void {
    if (this.free.length < 4) this.free.push(matrix);
  }
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
