/** Errors the SDK throws, each with a stable `name` a caller can switch on. */

/** A job ended without success; `type` is the failure's stable name (e.g. CorruptParquetError, JobCancelled). */
export class JobFailedError extends Error {
  override readonly name = 'JobFailedError';
  constructor(
    readonly jobId: string,
    readonly type: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

/** No job (workflow) with this id exists in the namespace. */
export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  constructor(readonly jobId: string) {
    super(`no job with id ${jobId}`);
  }
}

/** A control (pause, resume, setConcurrency) reached a job that has already finished. */
export class JobNotRunningError extends Error {
  override readonly name = 'JobNotRunningError';
  constructor(
    readonly jobId: string,
    readonly control: string,
  ) {
    super(`job ${jobId} is not running, so it cannot ${control}`);
  }
}

/** The job refused a control's argument, e.g. setConcurrency(0). */
export class InvalidControlError extends Error {
  override readonly name = 'InvalidControlError';
}

/**
 * A schedule id that does not exist, one that exists already when creating, or bad options (`invalid`:
 * a cron, time zone, template or date the caller can fix).
 */
export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
  constructor(
    message: string,
    readonly invalid = false,
  ) {
    super(message);
  }
}
