import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { BlockBlobClient } from '@azure/storage-blob';
import { StorageAccessError } from '../domain/errors.js';
import type { ObjectSink } from './storage.js';

/**
 * Block size for uploads. A block blob has at most 50,000 committed blocks, so the block size caps an object
 * at 50,000 x 8 MiB = 390 GiB: a 200 GB object fits with room to spare. A sink holds at most one block in
 * memory, so 8 MiB is also the memory bound per open sink.
 */
export const BLOCK_SIZE = 8 * 1024 * 1024;
export const MAX_BLOCKS = 50_000;

/** Runs one call against the service with retries and error translation (azure-call.ts). */
export type SinkCall = <T>(attempt: (signal: AbortSignal) => Promise<T>) => Promise<T>;

/**
 * Uploads an object in blocks while it is written, and makes it visible only on commit (Put Block List).
 * Staged blocks are invisible: an attempt that crashes or aborts leaves nothing under the final name, and the
 * service discards its uncommitted blocks after a week. Objects that fit in one block go up in one Put Blob,
 * which is just as atomic.
 */
export class BlockBlobSink implements ObjectSink {
  private buffer = Buffer.alloc(0);
  private filled = 0;
  private readonly blockIds: string[] = [];
  // Block ids are scoped to the blob name: a second attempt writing the same name must not reuse this one's.
  private readonly attemptTag = randomBytes(6).toString('hex');
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly uri: string,
    private readonly blob: BlockBlobClient,
    private readonly call: SinkCall,
    private readonly blockSize = BLOCK_SIZE,
  ) {}

  /** Blocks staged so far (tests, progress). */
  get stagedBlocks(): number {
    return this.blockIds.length;
  }

  write(chunk: Uint8Array): Promise<void> {
    return this.enqueue(() => this.append(chunk));
  }

  commit(): Promise<void> {
    return this.enqueue(async () => {
      const headers = { blobHTTPHeaders: { blobContentType: contentTypeOf(this.uri) } };
      if (this.blockIds.length === 0) {
        const body = this.buffer.subarray(0, this.filled);
        await this.call((signal) => this.blob.upload(body, body.length, { ...headers, abortSignal: signal }));
      } else {
        if (this.filled > 0) await this.stageBuffered();
        const ids = [...this.blockIds];
        await this.call((signal) => this.blob.commitBlockList(ids, { ...headers, abortSignal: signal }));
      }
      this.release();
    });
  }

  /** Nothing to delete: staged blocks never became visible. Frees the buffer and refuses further writes. */
  async abort(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.release();
  }

  /** Writes and commit run one after another; after a failure, every later call fails with the same error. */
  private enqueue(step: () => Promise<void>): Promise<void> {
    const run = this.queue.then(() => {
      if (this.closed) throw new Error(`${this.uri}: the upload is already committed or aborted`);
      return step();
    });
    this.queue = run;
    return run;
  }

  private async append(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(chunk.length - offset, this.blockSize - this.filled);
      this.reserve(this.filled + take);
      this.buffer.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.blockSize) await this.stageBuffered();
    }
  }

  /** Grows the buffer by doubling, up to one block: small objects (JSON records) never allocate 8 MiB. */
  private reserve(bytes: number): void {
    if (bytes <= this.buffer.length) return;
    const size = Math.min(this.blockSize, Math.max(bytes, this.buffer.length * 2, 64 * 1024));
    const grown = Buffer.allocUnsafe(size);
    this.buffer.copy(grown, 0, 0, this.filled);
    this.buffer = grown;
  }

  private async stageBuffered(): Promise<void> {
    if (this.blockIds.length >= MAX_BLOCKS) {
      throw new StorageAccessError(
        `write ${this.uri}: the object would exceed ${MAX_BLOCKS} blocks of ${this.blockSize} bytes, Azure's limit for one blob`,
      );
    }
    const id = blockId(this.attemptTag, this.blockIds.length);
    const body = this.buffer.subarray(0, this.filled);
    // The service checks the MD5 and refuses a block damaged in transit (the retry then sends it again).
    const md5 = createHash('md5').update(body).digest();
    await this.call((signal) =>
      this.blob.stageBlock(id, body, body.length, { transactionalContentMD5: md5, abortSignal: signal }),
    );
    this.blockIds.push(id);
    this.filled = 0;
  }

  private release(): void {
    this.closed = true;
    this.buffer = Buffer.alloc(0);
    this.filled = 0;
  }
}

/** Block ids must all have the same length within a blob; base64 of "<attempt>-<index, 6 digits>". */
function blockId(attemptTag: string, index: number): string {
  return Buffer.from(`${attemptTag}-${String(index).padStart(6, '0')}`).toString('base64');
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.html': 'text/html; charset=utf-8',
  '.parquet': 'application/vnd.apache.parquet',
};

function contentTypeOf(uri: string): string {
  return CONTENT_TYPES[path.posix.extname(uri).toLowerCase()] ?? 'application/octet-stream';
}
