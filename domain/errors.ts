/**
 * Error taxonomy shared by activities, workflows and the client.
 *
 * Every error has a stable `name` (it becomes the Temporal failure `type`) and says whether a retry can
 * help. Permanent errors describe the input, the model or the job spec: retrying them only wastes a night.
 */
export abstract class BatchScoreError extends Error {
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The job spec (workflow input) is malformed; `issues` lists every bad field. */
export class InvalidJobSpecError extends BatchScoreError {
  readonly retryable = false;
  constructor(readonly issues: string[]) {
    super(`invalid job spec:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

/** The input URI or glob names nothing, or names no Parquet files. */
export class InputNotFoundError extends BatchScoreError {
  readonly retryable = false;
}

/** A file is not Parquet at all (no PAR1 magic) or its footer cannot be decoded. */
export class NotParquetError extends BatchScoreError {
  readonly retryable = false;
}

/** A Parquet file is damaged: a page or column chunk fails to decode. */
export class CorruptParquetError extends BatchScoreError {
  readonly retryable = false;
}

/** A file lacks a feature column the model needs, or the column has a type we cannot feed to the model. */
export class SchemaMismatchError extends BatchScoreError {
  readonly retryable = false;
}

/** The model folder breaks the model contract: bad model.json, wrong checksum, not an ONNX model, shape mismatch. */
export class ModelContractError extends BatchScoreError {
  readonly retryable = false;
}

/** Rows in do not equal rows out: the job refuses to report success. */
export class ReconciliationError extends BatchScoreError {
  readonly retryable = false;
}

/** Storage failed in a way that may pass (I/O error, throttling, timeout). */
export class TransientStorageError extends BatchScoreError {
  readonly retryable = true;
}

/**
 * Storage refuses the request and will keep refusing it until someone changes the configuration: access denied
 * (HTTP 401/403), no usable credential, a malformed storage URI, a container that does not exist for a write, or
 * a service limit. The message names the account, container and path and the credential's source, never a secret.
 */
export class StorageAccessError extends BatchScoreError {
  readonly retryable = false;
}

/** An input object changed while the job was reading it (its ETag moved): the plan no longer describes it. */
export class InputChangedError extends BatchScoreError {
  readonly retryable = false;
}

/** Names of errors that Temporal must never retry; used in activity retry policies. */
export const NON_RETRYABLE_ERROR_TYPES = [
  'InvalidJobSpecError',
  'InputNotFoundError',
  'NotParquetError',
  'CorruptParquetError',
  'SchemaMismatchError',
  'ModelContractError',
  'ReconciliationError',
  'StorageAccessError',
  'InputChangedError',
] as const;

/** An error's message, or the thrown value as text when it is not an Error. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
