import { ApplicationFailure } from '@temporalio/common';
import { BatchScoreError } from '../domain/errors.js';

/**
 * The activity edge: our typed errors become ApplicationFailures whose `type` is the error's stable name and
 * whose `nonRetryable` flag follows the error's kind, so Temporal retries I/O hiccups and nothing else.
 */
export function toApplicationFailure(error: unknown): unknown {
  if (error instanceof BatchScoreError) {
    return ApplicationFailure.create({
      message: error.message,
      type: error.name,
      nonRetryable: !error.retryable,
      details: 'issues' in error ? [(error as { issues: unknown }).issues] : undefined,
    });
  }
  return error;
}

/**
 * Temporal rejects payloads over 2 MB, and an activity whose result is too large is retried forever. Ours
 * are counts and statistics of a few KB; past this limit something is wrong, and it must fail, not loop.
 */
export const MAX_RESULT_BYTES = 512 * 1024;

export function assertSmallResult(name: string, result: unknown): void {
  const bytes = result === undefined ? 0 : Buffer.byteLength(JSON.stringify(result));
  if (bytes > MAX_RESULT_BYTES) {
    throw ApplicationFailure.create({
      type: 'ResultTooLargeError',
      nonRetryable: true,
      message: `activity ${name} produced a ${bytes}-byte result, over the ${MAX_RESULT_BYTES}-byte limit for Temporal payloads`,
    });
  }
}

/** Wraps every function of an activities object with the conversion above and the result-size check. */
export function withFailureConversion<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      let result: unknown;
      try {
        result = await fn(...args);
      } catch (error) {
        throw toApplicationFailure(error);
      }
      assertSmallResult(name, result);
      return result;
    };
    Object.defineProperty(wrapped[name], 'name', { value: name });
  }
  return wrapped as T;
}
