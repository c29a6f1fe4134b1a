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

/** Wraps every function of an activities object with the conversion above. */
export function withFailureConversion<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  activities: T,
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (error) {
        throw toApplicationFailure(error);
      }
    };
    Object.defineProperty(wrapped[name], 'name', { value: name });
  }
  return wrapped as T;
}
