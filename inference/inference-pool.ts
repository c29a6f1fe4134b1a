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
 * beyond that a batch queues on a busy thread (at most QUEUE_DEPTH per thread), or waits. Inputs and
 * outputs move between threads without copies (their buffers are transferred).
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

  /**
   * An idle thread if there is one; else a new thread while below `maxThreads`; else the least loaded thread
   * with room in its queue. A queued batch starts the moment the one before it ends, with no round trip
   * through this thread, so a shard that submits its next row group early keeps its thread busy.
   */
  private async acquire(): Promise<InferenceThread> {
    for (;;) {
      if (this.disposed) throw new Error('the model session was disposed');
      // A thread that died while idle (out of memory, say) has nothing to release: drop it here.
      for (let i = this.threads.length - 1; i >= 0; i--)
        if (!this.threads[i]!.alive && this.threads[i]!.inFlight === 0) this.threads.splice(i, 1);
      const idle = this.threads.find((t) => t.inFlight === 0);
      if (idle) return idle.take();
      if (this.threads.length + this.starting < this.maxThreads) {
        this.starting++;
        try {
          const thread = await InferenceThread.start(this.data);
          this.threads.push(thread);
          return thread.take();
        } finally {
          this.starting--;
        }
      }
      const queue = this.threads
        .filter((t) => t.alive && t.inFlight < QUEUE_DEPTH)
        .sort((a, b) => a.inFlight - b.inFlight)[0];
      if (queue) return queue.take();
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }

  private release(thread: InferenceThread): void {
    thread.inFlight--;
    // A thread that died is dropped; the next run starts another in its place.
    const index = this.threads.indexOf(thread);
    if (!thread.alive && index >= 0) this.threads.splice(index, 1);
    this.waiting.shift()?.();
  }
}

/** Batches a thread holds at once: the one it runs and the next, already sent. */
const QUEUE_DEPTH = 2;

/** One worker thread and its session. Held by the process only while it runs a batch. */
class InferenceThread {
  /** Batches sent and not yet answered (or about to be sent: counted from take()). */
  inFlight = 0;
  alive = true;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: RunResult) => void; reject: (e: Error) => void }
  >();

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

  /** Reserves a place in this thread's queue for a run(); the pool gives it back in release(). */
  take(): this {
    this.inFlight++;
    return this;
  }

  run(feeds: Feed[], fetches: string[]): Promise<RunResult> {
    if (!this.alive) return Promise.reject(new Error('the inference thread has stopped'));
    const request: InferenceRequest = { id: this.nextId++, feeds, fetches };
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref();
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
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.error !== undefined) pending.reject(new Error(`ONNX Runtime: ${reply.error}`));
    else pending.resolve({ outputs: reply.outputs, inputs: reply.inputs });
  }

  private stop(error: Error): void {
    this.alive = false;
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
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
