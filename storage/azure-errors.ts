import {
  InputChangedError,
  InputNotFoundError,
  StorageAccessError,
  TransientStorageError,
} from '../domain/errors.js';
import type { BlobLocation } from './azure-uri.js';
import { AttemptTimeoutError } from './retry.js';

/** What a storage call was doing, for messages: "read az://a/c/p". */
export type BlobOperation = 'list' | 'stat' | 'read' | 'write' | 'delete';

export interface BlobErrorContext {
  operation: BlobOperation;
  uri: string;
  location: BlobLocation;
  credentialSource: string;
  /** Tries made, for "gave up after N tries". */
  attempts?: number;
}

/** The response body stopped before its last byte, or sent more than asked: a transport fault, worth a retry. */
export class BodyReadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BodyReadError';
  }
}

const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
  // The service closed an XML listing early (a server-side timeout); the SDK's own policy retries this too.
  'PARSE_ERROR',
]);
const IDENTITY_ERRORS = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
]);

/** Throttling (503 ServerBusy, 500 OperationTimedOut, 429), gateway errors, dropped or hung connections. */
export function isTransientBlobError(error: unknown): boolean {
  if (error instanceof AttemptTimeoutError || error instanceof BodyReadError) return true;
  const status = statusOf(error);
  if (status !== undefined) return TRANSIENT_STATUS.has(status);
  const code = codeOf(error);
  return code !== undefined && TRANSIENT_NETWORK_CODES.has(code);
}

/**
 * Our error taxonomy for a failed blob call. Messages name the account, container and path and where the
 * credential came from; they never carry the raw SDK error (its request holds the SAS query and signed headers).
 */
export function toStorageError(error: unknown, context: BlobErrorContext): Error {
  const { operation, uri, location, credentialSource } = context;
  const where = `storage account "${location.account}", container "${location.container}", path "${location.path}"`;
  const status = statusOf(error);
  const code = codeOf(error);
  const detail = describe(error);
  if (error instanceof Error && IDENTITY_ERRORS.has(error.name)) {
    return new StorageAccessError(
      `${operation} ${uri}: no usable Azure credential for storage account "${location.account}" (${credentialSource}): ${firstLine(redactSecrets(error.message))}. Set AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_TOKEN on the workers, or give them a managed identity with a Storage Blob Data role.`,
    );
  }
  if (status === 401 || status === 403) {
    const hint =
      code === 'AuthorizationPermissionMismatch' || code === 'AuthorizationResourceTypeMismatch'
        ? 'the credential is valid but lacks permission (reading needs Storage Blob Data Reader or a SAS with r,l; writing needs Storage Blob Data Contributor or a SAS with r,w,d,l)'
        : 'check that the key or SAS belongs to this account and has not expired';
    return new StorageAccessError(
      `${operation} ${uri}: access denied (${detail}) for ${where}, using ${credentialSource}: ${hint}`,
    );
  }
  if (status === 404 && code === 'ContainerNotFound') {
    const message = `${uri}: container "${location.container}" does not exist in storage account "${location.account}"`;
    return operation === 'write'
      ? new StorageAccessError(
          `${operation} ${message} (create it first; batch-score never creates containers)`,
        )
      : new InputNotFoundError(message);
  }
  if (status === 404) {
    return new InputNotFoundError(`${uri}: no such blob (${where})`);
  }
  if (status === 412) {
    return new InputChangedError(
      `${uri} changed while it was being read (its ETag moved): the job planned an older version; re-run the job`,
    );
  }
  if (code === 'ENOTFOUND') {
    return new StorageAccessError(
      `${operation} ${uri}: the endpoint of storage account "${location.account}" does not resolve (${detail}); check the account name${credentialSource.startsWith('AZURE_STORAGE_CONNECTION_STRING') ? ' and the BlobEndpoint in AZURE_STORAGE_CONNECTION_STRING' : ''}`,
    );
  }
  if (isTransientBlobError(error)) {
    const tries = context.attempts ? ` (gave up after ${context.attempts} tries)` : '';
    return new TransientStorageError(`${operation} ${uri}: ${detail}${tries}`);
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new StorageAccessError(
      `${operation} ${uri}: the service refused the request (${detail}) for ${where}`,
    );
  }
  if (error instanceof Error && error.name === 'RestError') {
    // A transport failure we do not recognise (a TLS problem, say): Temporal's slower retries may still help, and
    // the raw error must not travel on, since its request carries the SAS query.
    return new TransientStorageError(`${operation} ${uri}: ${detail}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** "HTTP 403 AuthorizationFailure: This request is not authorized..." or "ECONNRESET: socket hang up". */
export function describe(error: unknown): string {
  const status = statusOf(error);
  const code = codeOf(error);
  const message = error instanceof Error ? firstLine(redactSecrets(error.message)) : String(error);
  const head = [status !== undefined ? `HTTP ${status}` : undefined, code].filter(Boolean).join(' ');
  if (!head) return message;
  return message && message !== code ? `${head}: ${message}` : head;
}

/** Removes SAS signatures and keys from text that came from outside (service messages, SDK errors). */
export function redactSecrets(text: string): string {
  return text
    .replace(/([?&]sig=)[^&\s"']+/gi, '$1REDACTED')
    .replace(/(AccountKey=)[^;\s"']+/gi, '$1REDACTED')
    .replace(/(SharedAccessSignature=)[^;\s"']+/gi, '$1REDACTED')
    .replace(/(SharedKey [^:\s]+:)[^\s"']+/g, '$1REDACTED');
}

function statusOf(error: unknown): number | undefined {
  return isRecord(error) && typeof error.statusCode === 'number' ? error.statusCode : undefined;
}

/** The service's error code (body, or x-ms-error-code for HEAD requests), else the network error code. */
function codeOf(error: unknown): string | undefined {
  if (!isRecord(error)) return undefined;
  const details = error.details as { errorCode?: unknown } | undefined;
  if (isRecord(details) && typeof details.errorCode === 'string') return details.errorCode;
  const code = error.code;
  if (typeof code === 'string' && code !== '') return code;
  const cause = error.cause;
  return cause !== undefined && cause !== error ? codeOf(cause) : undefined;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]!.trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
