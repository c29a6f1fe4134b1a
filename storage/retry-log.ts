import { Context } from '@temporalio/activity';
import type { StorageRetryEvent } from './azure-call.js';
import { describe } from './azure-errors.js';

/**
 * Says that a storage call is being retried: through the activity's logger inside an activity (so the line
 * carries the workflow and activity ids), on stderr elsewhere (CLI commands). Never prints a secret: the
 * error is described from its status and code and redacted.
 */
export function logStorageRetry(event: StorageRetryEvent): void {
  const message = `storage ${event.operation} ${event.uri}: ${describe(event.error)}; try ${event.attempt + 1} of ${event.attempts} in ${event.delayMs} ms`;
  let logger: Pick<Console, 'warn'>;
  try {
    logger = Context.current().log;
  } catch {
    logger = console; // not inside an activity
  }
  logger.warn(message);
}
