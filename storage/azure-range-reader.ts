import type { BlobClient } from '@azure/storage-blob';
import type { RangeReader } from './storage.js';
import { callBlob, type BlobCallOptions } from './azure-call.js';
import { BodyReadError, type BlobErrorContext } from './azure-errors.js';
import { AttemptTimeoutError } from './retry.js';

type ReadContext = Omit<BlobErrorContext, 'attempts' | 'operation'>;

/**
 * A blob read by byte ranges, each one ranged GET (Parquet footers and column chunks, nothing else). Every range
 * is pinned to the ETag seen at open, so a blob replaced mid-job fails loudly (InputChangedError) instead of
 * mixing two versions. A body that breaks off or stalls is resumed from the last byte received, with backoff.
 */
export async function openBlobRangeReader(
  blob: BlobClient,
  context: ReadContext,
  options: BlobCallOptions,
  idleTimeoutMs: number,
): Promise<RangeReader> {
  const properties = await callBlob({ ...context, operation: 'read' }, options, (signal) =>
    blob.getProperties({ abortSignal: signal }),
  );
  const size = properties.contentLength ?? 0;
  const etag = properties.etag;
  return {
    uri: context.uri,
    size,
    read: (start, end) => readRange(blob, context, options, idleTimeoutMs, etag, start, Math.min(end, size)),
    close: () => Promise.resolve(),
  };
}

async function readRange(
  blob: BlobClient,
  context: ReadContext,
  options: BlobCallOptions,
  idleTimeoutMs: number,
  etag: string | undefined,
  start: number,
  end: number,
): Promise<Uint8Array> {
  const target = Buffer.allocUnsafe(Math.max(0, end - start));
  if (target.length === 0) return target;
  const progress = { received: 0 };
  // No overall time limit per attempt (a row group may be hundreds of MB); the idle timer catches stalls instead.
  const policy = { ...options.retry, attemptTimeoutMs: 0 };
  await callBlob(
    { ...context, operation: 'read' },
    options,
    (signal) => downloadInto(blob, etag, start, target, progress, idleTimeoutMs, signal),
    policy,
  );
  return target;
}

/** GETs the bytes of `target` not received yet, copying them in as they arrive. */
async function downloadInto(
  blob: BlobClient,
  etag: string | undefined,
  start: number,
  target: Buffer,
  progress: { received: number },
  idleTimeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const idle = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const armIdleTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(new AttemptTimeoutError(idleTimeoutMs)), idleTimeoutMs);
  };
  armIdleTimer();
  let headersReceived = false;
  try {
    const response = await blob.download(start + progress.received, target.length - progress.received, {
      abortSignal: AbortSignal.any([signal, idle.signal]),
      conditions: etag ? { ifMatch: etag } : {},
      // The SDK would resume a broken body at once, without backoff; this function's caller does it instead.
      maxRetryRequests: 0,
    });
    headersReceived = true;
    const body = response.readableStreamBody;
    if (!body) throw new BodyReadError('the response has no body');
    for await (const chunk of body as AsyncIterable<Buffer>) {
      armIdleTimer();
      if (progress.received + chunk.length > target.length) {
        throw new BodyReadError(`the service sent more than the ${target.length} bytes asked for`);
      }
      chunk.copy(target, progress.received);
      progress.received += chunk.length;
    }
    if (progress.received < target.length) {
      throw new BodyReadError(`the body ended after ${progress.received} of ${target.length} bytes`);
    }
  } catch (error) {
    if (idle.signal.aborted) throw idle.signal.reason;
    // Whatever breaks a body after a 2xx status (reset, premature close) is the connection's fault, not the request's.
    if (headersReceived && !(error instanceof BodyReadError)) {
      throw new BodyReadError(`the connection broke after ${progress.received} of ${target.length} bytes`, {
        cause: error,
      });
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
