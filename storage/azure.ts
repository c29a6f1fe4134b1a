import { InputNotFoundError } from '../domain/errors.js';
import { callBlob, type BlobCallOptions, type StorageRetryEvent } from './azure-call.js';
import { BLOCK_SIZE, BlockBlobSink } from './azure-block-sink.js';
import { AzureClients } from './azure-clients.js';
import type { BlobOperation } from './azure-errors.js';
import { openBlobRangeReader } from './azure-range-reader.js';
import {
  folderPrefix,
  formatBlobUri,
  joinBlobUri,
  parseBlobUri,
  relativeBlobUri,
  withPath,
  type BlobLocation,
} from './azure-uri.js';
import { globBase, globToRegExp, isGlob } from './glob.js';
import { STORAGE_RETRY, type RetryPolicy } from './retry.js';
import { logStorageRetry } from './retry-log.js';
import {
  writeAllThroughSink,
  type ObjectInfo,
  type ObjectSink,
  type RangeReader,
  type Storage,
} from './storage.js';

export interface AzureBlobStorageOptions {
  clients?: AzureClients;
  /** Upload block size; see BLOCK_SIZE for why 8 MiB. */
  blockSize?: number;
  /** Blobs per listing page; the service's maximum (and default) is 5000. */
  listPageSize?: number;
  retry?: RetryPolicy;
  /** A range read with no byte arriving for this long is abandoned and resumed. */
  readIdleTimeoutMs?: number;
  onRetry?: (event: StorageRetryEvent) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Deletes in flight at once when removing a folder. */
const DELETE_CONCURRENCY = 16;

/**
 * Azure Blob Storage behind the storage contract (docs/storage-contract.md): az:// and
 * https://<account>.blob.core.windows.net URIs; folders are name prefixes, globs are matched on blob names
 * below their literal prefix, exactly as LocalStorage matches paths.
 */
export class AzureBlobStorage implements Storage {
  private readonly clients: AzureClients;
  private readonly calls: BlobCallOptions;
  private readonly blockSize: number;
  private readonly listPageSize: number;
  private readonly readIdleTimeoutMs: number;

  constructor(options: AzureBlobStorageOptions = {}) {
    this.clients = options.clients ?? new AzureClients();
    this.blockSize = options.blockSize ?? BLOCK_SIZE;
    this.listPageSize = options.listPageSize ?? 5000;
    this.readIdleTimeoutMs = options.readIdleTimeoutMs ?? 60_000;
    this.calls = {
      retry: options.retry ?? STORAGE_RETRY,
      onRetry: options.onRetry ?? logStorageRetry,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    };
  }

  async list(location: string, suffix: string): Promise<ObjectInfo[]> {
    const where = parseBlobUri(location);
    if (isGlob(where.path)) {
      const matcher = globToRegExp(where.path);
      const blobs = await this.listPrefix(where, folderPrefix(globBase(where.path)), location);
      const matching = blobs.filter((b) => matcher.test(b.name));
      return this.infos(where, matching);
    }
    if (where.path !== '' && !where.path.endsWith('/')) {
      const single = await this.statAs('list', location);
      if (single) return [single];
    }
    const prefix = folderPrefix(where.path);
    const blobs = await this.listPrefix(where, prefix, location);
    if (blobs.length === 0 && prefix !== '') {
      throw new InputNotFoundError(
        `input ${location} does not exist (no blob "${where.path}" and none under "${prefix}" in container "${where.container}" of storage account "${where.account}")`,
      );
    }
    const withSuffix = blobs.filter((b) => b.name.endsWith(suffix));
    return this.infos(where, withSuffix);
  }

  stat(uri: string): Promise<ObjectInfo | null> {
    return this.statAs('stat', uri);
  }

  async openRead(uri: string): Promise<RangeReader> {
    const where = parseBlobUri(uri);
    const { client, settings } = this.container(where);
    return openBlobRangeReader(
      client.getBlobClient(where.path),
      { uri: formatBlobUri(where), location: where, credentialSource: settings.credentialSource },
      this.calls,
      this.readIdleTimeoutMs,
    );
  }

  async readAll(uri: string): Promise<Uint8Array> {
    const reader = await this.openRead(uri);
    try {
      return await reader.read(0, reader.size);
    } finally {
      await reader.close();
    }
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- async so a bad URI rejects like any other failure
  async createSink(uri: string): Promise<ObjectSink> {
    const where = parseBlobUri(uri);
    if (where.path === '' || where.path.endsWith('/'))
      throw new Error(`${uri}: cannot write an object to a folder`);
    const { client, settings } = this.container(where);
    const canonical = formatBlobUri(where);
    return new BlockBlobSink(
      canonical,
      client.getBlockBlobClient(where.path),
      (attempt) => this.call('write', canonical, where, settings.credentialSource, attempt),
      this.blockSize,
    );
  }

  writeAll(uri: string, bytes: Uint8Array | string): Promise<void> {
    return writeAllThroughSink(this, uri, bytes);
  }

  /** Removes the blob and everything under it as a folder, like `rm -rf`. */
  async remove(uri: string): Promise<void> {
    const where = parseBlobUri(uri);
    if (where.path.replace(/\/+$/, '') === '') throw new Error(`${uri}: refusing to empty a whole container`);
    try {
      if (!where.path.endsWith('/')) await this.deleteBlob(where, where.path);
      await this.forEachPage(where, folderPrefix(where.path), uri, async (names) => {
        for (let i = 0; i < names.length; i += DELETE_CONCURRENCY) {
          await Promise.all(
            names.slice(i, i + DELETE_CONCURRENCY).map((n) => this.deleteBlob(where, n.name)),
          );
        }
      });
    } catch (error) {
      if (error instanceof InputNotFoundError) return; // no container: nothing to remove
      throw error;
    }
  }

  /** Uploads are never staged under a temporary name (uncommitted blocks are invisible), so there is nothing to sweep. */
  removeTemporaries(_folder: string): Promise<number> {
    return Promise.resolve(0);
  }

  join(base: string, ...segments: string[]): string {
    return joinBlobUri(base, ...segments);
  }

  relative(base: string, uri: string): string {
    return relativeBlobUri(base, uri);
  }

  /** `stat`, with errors worded as part of `operation` (a listing probes whether its location is one blob). */
  private async statAs(operation: BlobOperation, uri: string): Promise<ObjectInfo | null> {
    const where = parseBlobUri(uri);
    if (where.path === '' || where.path.endsWith('/')) return null;
    const { client, settings } = this.container(where);
    try {
      const properties = await this.call(operation, uri, where, settings.credentialSource, (signal) =>
        client.getBlobClient(where.path).getProperties({ abortSignal: signal }),
      );
      return { uri: formatBlobUri(where), size: properties.contentLength ?? 0 };
    } catch (error) {
      // No blob, or no container: either way there is no object here.
      if (error instanceof InputNotFoundError) return null;
      throw error;
    }
  }

  private async deleteBlob(where: BlobLocation, name: string): Promise<void> {
    const { client, settings } = this.container(where);
    const uri = formatBlobUri(withPath(where, name));
    await this.call('delete', uri, withPath(where, name), settings.credentialSource, (signal) =>
      client.getBlobClient(name).deleteIfExists({ deleteSnapshots: 'include', abortSignal: signal }),
    );
  }

  /** Every visible blob under `prefix` (see isHidden). */
  private async listPrefix(
    where: BlobLocation,
    prefix: string,
    location: string,
  ): Promise<Array<{ name: string; size: number }>> {
    const out: Array<{ name: string; size: number }> = [];
    await this.forEachPage(where, prefix, location, (blobs) => {
      out.push(...blobs.filter((b) => !isHidden(b.name.slice(prefix.length))));
      return Promise.resolve();
    });
    return out;
  }

  /**
   * Lists page by page (up to 5000 names each) following continuation tokens; a failed page is retried from its
   * own token, so a listing of tens of thousands of blobs never starts over.
   */
  private async forEachPage(
    where: BlobLocation,
    prefix: string,
    location: string,
    visit: (blobs: Array<{ name: string; size: number }>) => Promise<void>,
  ): Promise<void> {
    const { client, settings } = this.container(where);
    let continuationToken: string | undefined;
    do {
      const token = continuationToken;
      const page = await this.call('list', location, where, settings.credentialSource, (signal) =>
        client
          .listBlobsFlat({ prefix, abortSignal: signal })
          .byPage({ maxPageSize: this.listPageSize, ...(token ? { continuationToken: token } : {}) })
          .next(),
      );
      if (page.done) return;
      await visit(
        page.value.segment.blobItems.map((b) => ({ name: b.name, size: b.properties.contentLength ?? 0 })),
      );
      continuationToken = page.value.continuationToken || undefined;
    } while (continuationToken);
  }

  /** ObjectInfos in the location's URI spelling, sorted by URI as the contract promises. */
  private infos(where: BlobLocation, blobs: Array<{ name: string; size: number }>): ObjectInfo[] {
    return blobs
      .map((b) => ({ uri: formatBlobUri(withPath(where, b.name)), size: b.size }))
      .sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
  }

  private container(where: BlobLocation): ReturnType<AzureClients['container']> {
    return this.clients.container(where.account, where.container);
  }

  private call<T>(
    operation: BlobOperation,
    uri: string,
    location: BlobLocation,
    credentialSource: string,
    attempt: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    return callBlob({ operation, uri, location, credentialSource }, this.calls, attempt);
  }
}

/** A name with a segment starting with '.' (below the listed folder) is hidden, as LocalStorage skips dot files. */
function isHidden(relativeName: string): boolean {
  return relativeName.split('/').some((segment) => segment.startsWith('.'));
}
