import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type {
  Feed,
  GraphInfo,
  InferenceReply,
  InferenceRequest,
  InferenceThreadData,
  OutputTensor,
  ThreadReady,
} from './inference-protocol.js';

/** Outputs of one run, and the input buffers handed back for reuse. */
export interface RunResult {
  outputs: Record<string, OutputTensor>;
  inputs: Float32Array[];
}

/** The thread could not load the model: ONNX Runtime's own message. */
export class ModelLoadError extends Error {}

/**
 * Inference threads for one model: each holds its own ONNX Runtime session and runs one batch at a time,
 * so the worker's JS thread (Parquet decoding, statistics, encoding, heartbeats) never waits on the model,
 * and concurrent shards run their models on separate cores. Threads start on demand up to `maxThreads`;
 * a run that finds them all busy waits for one. Inputs and outputs move between threads without copies
 * (their buffers are transferred).
 */
export class InferencePool {
  private readonly threads: InferenceThread[] = [];
  private readonly waiting: (() => void)[] = [];
  private starting = 0;
  private disposed = false;

  private constructor(
    private readonly data: InferenceThreadData,
    private readonly maxThreads: number,
    /** The graph's names and input shapes, for checking the model contract. */
    readonly graph: GraphInfo,
  ) {}

  /** Starts the first thread, so a model ONNX Runtime cannot load fails here, with its message. */
  static async create(data: InferenceThreadData, maxThreads: number): Promise<InferencePool> {
    const first = await InferenceThread.start(data);
    const pool = new InferencePool(data, Math.max(1, maxThreads), first.graph);
    pool.threads.push(first);
    return pool;
  }

  get size(): number {
    return this.threads.length;
  }

  async run(feeds: Feed[], fetches: string[]): Promise<RunResult> {
    const thread = await this.acquire();
    try {
      return await thread.run(feeds, fetches);
    } finally {
      this.release(thread);
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.waiting.splice(0).forEach((wake) => wake());
    await Promise.all(this.threads.splice(0).map((t) => t.terminate()));
  }

  private async acquire(): Promise<InferenceThread> {
    for (;;) {
      if (this.disposed) throw new Error('the model session was disposed');
      const idle = this.threads.find((t) => !t.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.threads.length + this.starting < this.maxThreads) {
        this.starting++;
        try {
          const thread = await InferenceThread.start(this.data);
          thread.busy = true;
          this.threads.push(thread);
          return thread;
        } finally {
          this.starting--;
        }
      }
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }

  private release(thread: InferenceThread): void {
    thread.busy = false;
    // A thread that died is dropped; the next run starts another in its place.
    const index = this.threads.indexOf(thread);
    if (!thread.alive && index >= 0) this.threads.splice(index, 1);
    this.waiting.shift()?.();
  }
}

/** One worker thread and its session. Held by the process only while it runs a batch. */
class InferenceThread {
  busy = false;
  alive = true;
  private nextId = 1;
  private pending: { id: number; resolve: (r: RunResult) => void; reject: (e: Error) => void } | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly graph: GraphInfo,
  ) {
    worker.on('message', (reply: InferenceReply) => this.settle(reply));
    worker.on('error', (error) => this.stop(error));
    worker.on('exit', (code) => this.stop(new Error(`the inference thread exited with code ${code}`)));
    worker.unref();
  }

  static start(data: InferenceThreadData): Promise<InferenceThread> {
    const worker = new Worker(threadEntry(), { workerData: data, resourceLimits: THREAD_LIMITS });
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => reject(new ModelLoadError(error.message));
      const exited = (code: number) => fail(new Error(`the inference thread exited with code ${code}`));
      worker.once('error', fail);
      worker.once('exit', exited);
      worker.once('message', (ready: ThreadReady) => {
        worker.off('error', fail);
        worker.off('exit', exited);
        if (ready.kind === 'ready') {
          const { kind: _kind, ...graph } = ready;
          resolve(new InferenceThread(worker, graph));
        } else {
          void worker.terminate();
          reject(new ModelLoadError(ready.message));
        }
      });
    });
  }

  run(feeds: Feed[], fetches: string[]): Promise<RunResult> {
    if (!this.alive) return Promise.reject(new Error('the inference thread has stopped'));
    const request: InferenceRequest = { id: this.nextId++, feeds, fetches };
    return new Promise((resolve, reject) => {
      this.pending = { id: request.id, resolve, reject };
      this.worker.ref();
      this.worker.postMessage(
        request,
        feeds.map((f) => f.data.buffer as ArrayBuffer),
      );
    });
  }

  terminate(): Promise<number> {
    this.alive = false;
    return this.worker.terminate();
  }

  private settle(reply: InferenceReply): void {
    const pending = this.pending;
    if (!pending || pending.id !== reply.id) return;
    this.pending = undefined;
    this.worker.unref();
    if (reply.error !== undefined) pending.reject(new Error(`ONNX Runtime: ${reply.error}`));
    else pending.resolve({ outputs: reply.outputs, inputs: reply.inputs });
  }

  private stop(error: Error): void {
    this.alive = false;
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }
}

/**
 * The compiled thread entry beside this module (dist/inference/); from the TypeScript sources (vitest) the
 * compiled one in dist/, which `npm test` builds first.
 */
function threadEntry(): URL {
  const sibling = new URL('./inference-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const compiled = new URL('../dist/inference/inference-thread.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return compiled;
  throw new Error(`the inference thread ${fileURLToPath(compiled)} is missing: run npm run build`);
}

/** The thread's JS does little (tensor wrappers, messages): a small heap keeps each thread's RSS low. */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };
