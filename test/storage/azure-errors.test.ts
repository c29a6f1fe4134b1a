import { RestError } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import {
  InputChangedError,
  InputNotFoundError,
  NON_RETRYABLE_ERROR_TYPES,
  StorageAccessError,
  TransientStorageError,
} from '../../domain/errors.js';
import {
  BodyReadError,
  isTransientBlobError,
  redactSecrets,
  toStorageError,
  type BlobErrorContext,
} from '../../storage/azure-errors.js';
import { parseBlobUri } from '../../storage/azure-uri.js';
import { AttemptTimeoutError } from '../../storage/retry.js';

const uri = 'az://acct/sensors/2026/part-0.parquet';
const context = (operation: BlobErrorContext['operation']): BlobErrorContext => ({
  operation,
  uri,
  location: parseBlobUri(uri),
  credentialSource: 'AZURE_STORAGE_CONNECTION_STRING (AccountKey)',
  attempts: 6,
});

function restError(statusCode: number | undefined, code: string, message = code): RestError {
  return new RestError(message, { statusCode, code });
}

describe('blob errors', () => {
  it('retries throttling, server errors, dropped and hung connections; nothing else', () => {
    for (const status of [408, 429, 500, 502, 503, 504])
      expect(isTransientBlobError(restError(status, 'X'))).toBe(true);
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'REQUEST_SEND_ERROR'])
      expect(isTransientBlobError(restError(undefined, code))).toBe(true);
    expect(isTransientBlobError(new BodyReadError('cut'))).toBe(true);
    expect(isTransientBlobError(new AttemptTimeoutError(100))).toBe(true);
    for (const status of [400, 403, 404, 409, 412])
      expect(isTransientBlobError(restError(status, 'X'))).toBe(false);
    expect(isTransientBlobError(new TypeError('bug'))).toBe(false);
  });

  it('403 is a permanent StorageAccessError naming account, container, path and credential source', () => {
    const error = toStorageError(
      restError(403, 'AuthorizationFailure', 'Server failed to authenticate'),
      context('read'),
    );
    expect(error).toBeInstanceOf(StorageAccessError);
    expect(error.message).toBe(
      'read az://acct/sensors/2026/part-0.parquet: access denied (HTTP 403 AuthorizationFailure: Server failed to authenticate) for storage account "acct", container "sensors", path "2026/part-0.parquet", using AZURE_STORAGE_CONNECTION_STRING (AccountKey): check that the key or SAS belongs to this account and has not expired',
    );
    const mismatch = toStorageError(restError(403, 'AuthorizationPermissionMismatch'), context('write'));
    expect(mismatch.message).toContain('lacks permission');
    expect(NON_RETRYABLE_ERROR_TYPES).toContain(error.name);
  });

  it('404 is InputNotFoundError naming the container or blob; a missing container for a write is StorageAccessError', () => {
    const container = toStorageError(restError(404, 'ContainerNotFound'), context('read'));
    expect(container).toBeInstanceOf(InputNotFoundError);
    expect(container.message).toBe(`${uri}: container "sensors" does not exist in storage account "acct"`);
    const blob = toStorageError(restError(404, 'BlobNotFound'), context('read'));
    expect(blob.message).toBe(
      `${uri}: no such blob (storage account "acct", container "sensors", path "2026/part-0.parquet")`,
    );
    const write = toStorageError(restError(404, 'ContainerNotFound'), context('write'));
    expect(write).toBeInstanceOf(StorageAccessError);
    expect(write.message).toContain('batch-score never creates containers');
  });

  it('412 is InputChangedError; exhausted transient failures are TransientStorageError; DNS failures are permanent', () => {
    expect(toStorageError(restError(412, 'ConditionNotMet'), context('read'))).toBeInstanceOf(
      InputChangedError,
    );
    const busy = toStorageError(restError(503, 'ServerBusy'), context('read'));
    expect(busy).toBeInstanceOf(TransientStorageError);
    expect(busy.message).toBe(`read ${uri}: HTTP 503 ServerBusy (gave up after 6 tries)`);
    expect(
      toStorageError(restError(undefined, 'ENOTFOUND', 'getaddrinfo ENOTFOUND'), context('list')),
    ).toBeInstanceOf(StorageAccessError);
  });

  it('an unrecognised SDK error is retried by Temporal without travelling on; a programming error passes through', () => {
    const unknown = toStorageError(
      restError(undefined, 'ERR_TLS_CERT_ALTNAME_INVALID', 'bad cert'),
      context('read'),
    );
    expect(unknown).toBeInstanceOf(TransientStorageError);
    expect(unknown.message).toBe(`read ${uri}: ERR_TLS_CERT_ALTNAME_INVALID: bad cert`);
    const bug = new TypeError('bug');
    expect(toStorageError(bug, context('read'))).toBe(bug);
  });

  it('identity failures become StorageAccessError telling what to configure', () => {
    const unavailable = Object.assign(new Error('DefaultAzureCredential failed to retrieve a token'), {
      name: 'CredentialUnavailableError',
    });
    const error = toStorageError(unavailable, context('list'));
    expect(error).toBeInstanceOf(StorageAccessError);
    expect(error.message).toContain('no usable Azure credential for storage account "acct"');
    expect(error.message).toContain('AZURE_STORAGE_CONNECTION_STRING');
  });

  it('keeps secrets out of messages built from service text', () => {
    const text =
      'GET https://a.blob.core.windows.net/c/x?sv=1&sig=AbC%2Fd&se=2 AccountKey=abc==;SharedKey acct:SIGNATURE';
    const redacted = redactSecrets(text);
    expect(redacted).not.toMatch(/AbC|abc==|SIGNATURE/);
    expect(redacted).toContain('sig=REDACTED');
    const error = toStorageError(restError(403, 'AuthenticationFailed', text), context('read'));
    expect(error.message).not.toMatch(/AbC|abc==|SIGNATURE/);
  });
});
