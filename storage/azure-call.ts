import {
  isTransientBlobError,
  toStorageError,
  type BlobErrorContext,
  type BlobOperation,
} from './azure-errors.js';
import { withRetries, type RetryEvent, type RetryPolicy } from './retry.js';

export interface StorageRetryEvent extends RetryEvent {
  operation: BlobOperation;
  uri: string;
}

export interface BlobCallOptions {
  retry: RetryPolicy;
  onRetry: (event: StorageRetryEvent) => void;
  /** Tests replace the backoff sleep to stay fast. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * One storage call as the rest of the code sees it: retried while the failure is transient, then translated
 * once into our error taxonomy with the account, container, path and credential source in the message.
 */
export async function callBlob<T>(
  context: Omit<BlobErrorContext, 'attempts'>,
  options: BlobCallOptions,
  attempt: (signal: AbortSignal) => Promise<T>,
  policy: RetryPolicy = options.retry,
): Promise<T> {
  let attempts = 0;
  try {
    return await withRetries(
      (signal, n) => {
        attempts = n;
        return attempt(signal);
      },
      isTransientBlobError,
      policy,
      {
        onRetry: (event) => options.onRetry({ ...event, operation: context.operation, uri: context.uri }),
        ...(options.sleep ? { sleep: options.sleep } : {}),
      },
    );
  } catch (error) {
    throw toStorageError(error, { ...context, attempts });
  }
}
