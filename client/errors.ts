/** A job ended without success; `type` is the failure's stable name (e.g. CorruptParquetError). */
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
