import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  AccountSASServices,
  generateAccountSASQueryParameters,
  StorageSharedKeyCredential,
  type ContainerClient,
} from '@azure/storage-blob';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  InputChangedError,
  InputNotFoundError,
  StorageAccessError,
  TransientStorageError,
} from '../../domain/errors.js';
import { chunkRanges } from '../../parquet/page-checksums.js';
import { ParquetFile } from '../../parquet/reader.js';
import { PartWriter } from '../../parquet/writer.js';
import type { StorageRetryEvent } from '../../storage/azure-call.js';
import { AzureClients } from '../../storage/azure-clients.js';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../storage/azure-config.js';
import { AzureBlobStorage, type AzureBlobStorageOptions } from '../../storage/azure.js';
import { LocalStorage } from '../../storage/local.js';
import type { ObjectSink } from '../../storage/storage.js';
import {
  AzuriteProxy,
  blobNames,
  connectionStringFor,
  isListing,
  isRangedGet,
  isStageBlock,
  sdkContainer,
  startAzurite,
  type Azurite,
} from '../helpers/azurite.js';
import { tempDir } from '../helpers/paths.js';

/** Our Azure storage against a real Azurite, through a proxy that counts bytes and breaks connections on demand. */
let azurite: Azurite;
let proxy: AzuriteProxy;
let env: Record<string, string | undefined>;
let retries: StorageRetryEvent[];

beforeAll(async () => {
  azurite = await startAzurite();
  proxy = await AzuriteProxy.start(azurite);
});

afterAll(async () => {
  await proxy?.stop();
  await azurite?.stop();
});

beforeEach(() => {
  env = { AZURE_STORAGE_CONNECTION_STRING: proxy.connectionString };
  retries = [];
  proxy.reset();
});

const FAST_RETRY = { attempts: 4, initialDelayMs: 1, maxDelayMs: 4, attemptTimeoutMs: 5_000 };

function azureStorage(options: Partial<AzureBlobStorageOptions> = {}): AzureBlobStorage {
  return new AzureBlobStorage({
    clients: new AzureClients(() => env),
    retry: FAST_RETRY,
    readIdleTimeoutMs: 2_000,
    onRetry: (event) => retries.push(event),
    ...options,
  });
}

let containers = 0;
/** A fresh container per test, created through the SDK (not through the code under test). */
async function freshContainer(): Promise<{ name: string; sdk: ContainerClient; base: string }> {
  const name = `t${++containers}-${randomBytes(3).toString('hex')}`;
  const sdk = sdkContainer(azurite.blobEndpoint, name);
  await sdk.create();
  return { name, sdk, base: `az://${AZURITE_ACCOUNT}/${name}` };
}

async function put(sdk: ContainerClient, name: string, bytes: Uint8Array | string): Promise<void> {
  const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  await sdk.getBlockBlobClient(name).upload(body, body.length);
}

describe('listing', () => {
  const tree = [
    'data/a/1.parquet',
    'data/a/2.parquet',
    'data/a/3.parquet',
    'data/a/notes.txt',
    'data/a/.hidden.parquet',
    'data/b/2.parquet',
    'data/b/.tmp/x.parquet',
    'data2/c.parquet',
    'top.parquet',
  ];

  it('folders, single files, prefixes and globs give the same objects as LocalStorage', async () => {
    const { sdk, base } = await freshContainer();
    const dir = tempDir('list-parity');
    const local = new LocalStorage();
    for (const [i, name] of tree.entries()) {
      const bytes = 'x'.repeat(i + 1);
      await local.writeAll(path.join(dir, name), bytes);
      await put(sdk, name, bytes);
    }
    const azure = azureStorage();
    const queries: Array<[string, string]> = [
      ['data', '.parquet'],
      ['data/', '.parquet'],
      ['data', '.txt'],
      ['data/a/1.parquet', '.parquet'],
      ['data/a/notes.txt', '.parquet'],
      ['data/*/2.parquet', '.parquet'],
      ['data/**/*.parquet', '.parquet'],
      ['data/a/{1,3}.parquet', '.parquet'],
      ['data/a/?.parquet', '.parquet'],
      ['**/*.parquet', '.parquet'],
      ['*.parquet', '.parquet'],
    ];
    for (const [query, suffix] of queries) {
      const fromDisk = (await local.list(path.join(dir, query), suffix)).map((o) => [
        local.relative(dir, o.uri),
        o.size,
      ]);
      const fromBlob = (await azure.list(`${base}/${query}`, suffix)).map((o) => [
        azure.relative(base, o.uri),
        o.size,
      ]);
      expect(fromBlob, `${query} (${suffix})`).toEqual(fromDisk);
      expect(fromBlob.length, query).toBeGreaterThan(0);
    }
    expect((await azure.list(base, '.parquet')).map((o) => azure.relative(base, o.uri))).toEqual([
      'data/a/1.parquet',
      'data/a/2.parquet',
      'data/a/3.parquet',
      'data/b/2.parquet',
      'data2/c.parquet',
      'top.parquet',
    ]);
    await expect(local.list(path.join(dir, 'nothing/here'), '.parquet')).rejects.toThrow(InputNotFoundError);
    await expect(azure.list(`${base}/nothing/here`, '.parquet')).rejects.toThrow(
      new RegExp(`input ${base}/nothing/here does not exist`),
    );
  });

  it('follows continuation tokens page by page, retrying a failed page from its own token', async () => {
    const { sdk, base } = await freshContainer();
    await Promise.all(
      Array.from({ length: 23 }, (_, i) => put(sdk, `many/part-${String(i).padStart(3, '0')}.parquet`, 'x')),
    );
    const azure = azureStorage({ listPageSize: 7 });
    let listings = 0;
    proxy.inject((req) => isListing(req) && ++listings === 3, {
      kind: 'status',
      status: 503,
      code: 'ServerBusy',
    });
    const objects = await azure.list(`${base}/many`, '.parquet');
    expect(objects).toHaveLength(23);
    expect(objects[22]!.uri).toBe(`${base}/many/part-022.parquet`);
    const pages = proxy.requests.filter((r) => /comp=list/.test(r.url));
    // 4 pages of at most 7, plus the retry of page 3 (refused once with 503) with the same marker.
    expect(pages.map((r) => r.status)).toEqual([200, 200, 503, 200, 200]);
    const marker = (url: string) => new URL(url, 'http://x').searchParams.get('marker');
    expect(marker(pages[0]!.url)).toBeNull();
    expect(marker(pages[3]!.url)).toBe(marker(pages[2]!.url));
    expect(marker(pages[3]!.url)).not.toBeNull();
    expect(retries.map((r) => r.operation)).toEqual(['list']);
  });

  it('https:// URIs reach the endpoint the connection string names, and listing keeps their spelling', async () => {
    const { sdk, name } = await freshContainer();
    const azure = azureStorage();
    const https = `https://${AZURITE_ACCOUNT}.blob.core.windows.net/${name}`;
    await azure.writeAll(`${https}/in%20put/a%20b.parquet`, 'abc');
    expect(await blobNames(sdk)).toEqual(['in put/a b.parquet']);
    expect(await azure.list(`${https}/in put`, '.parquet')).toEqual([
      { uri: `${https}/in%20put/a%20b.parquet`, size: 3 },
    ]);
  });
});

/** A Parquet file of 4 row groups x 3 float64 columns of random (incompressible) numbers: about 3.8 MB. */
async function multiRowGroupParquet(): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  const sink: ObjectSink = {
    uri: 'memory',
    write: (chunk) => (chunks.push(chunk.slice()), Promise.resolve()),
    commit: () => Promise.resolve(),
    abort: () => Promise.resolve(),
  };
  const columns = ['a', 'b', 'c'].map((name) => ({ name, kind: 'float64' as const }));
  const writer = new PartWriter(sink, columns);
  const rows = 40_000;
  for (let group = 0; group < 4; group++) {
    const values = new Map(columns.map((c) => [c.name, Float64Array.from({ length: rows }, Math.random)]));
    await writer.write(rows, values);
  }
  await writer.commit();
  return Buffer.concat(chunks);
}

describe('range reads', () => {
  it("a shard reads only its row group's column chunks and the footer, counted where the bytes are served", async () => {
    const { sdk, base } = await freshContainer();
    const bytes = await multiRowGroupParquet();
    await put(sdk, 'big.parquet', bytes);
    const azure = azureStorage();
    proxy.reset();

    const file = await ParquetFile.open(azure, `${base}/big.parquet`);
    const footerBytes = proxy.downloadedBytes;
    const batch = await file.readRowGroup(2, ['a', 'c']);
    await file.close();
    expect(batch.rows).toBe(40_000);

    const wanted = chunkRanges(file.metadata.row_groups[2]!.columns).filter((c) => c.column !== 'b');
    const wantedBytes = wanted.reduce((n, c) => n + c.end - c.start, 0);
    // What Azurite served equals what the reader counted: magic bytes, the footer window, the two chunks.
    expect(proxy.downloadedBytes).toBe(file.bytesRead);
    expect(proxy.downloadedBytes - footerBytes).toBe(wantedBytes);
    expect(footerBytes).toBeLessThanOrEqual(8 + 512 * 1024);
    expect(proxy.downloadedBytes).toBeLessThan(bytes.length * 0.4);
    // Every GET was ranged, and every range after the footer lies inside a wanted column chunk.
    const gets = proxy.requests.filter((r) => r.method === 'GET');
    expect(gets.every((r) => r.range !== undefined)).toBe(true);
    const dataRanges = gets
      .slice(-wanted.length)
      .map((r) => /bytes=(\d+)-(\d+)/.exec(r.range!)!.slice(1).map(Number));
    for (const [start, end] of dataRanges) {
      expect(wanted.some((c) => start! >= c.start && end! < c.end)).toBe(true);
    }
  });

  it('a body cut off mid-stream is resumed from the byte where it broke, with backoff', async () => {
    const { sdk, base } = await freshContainer();
    const bytes = randomBytes(300_000);
    await put(sdk, 'blob.bin', bytes);
    const azure = azureStorage();
    const reader = await azure.openRead(`${base}/blob.bin`);
    proxy.reset();
    proxy.inject(isRangedGet, { kind: 'cutBody', afterBytes: 70_000 }, 2);

    const read = await reader.read(1_000, 251_000);
    expect(Buffer.from(read).equals(bytes.subarray(1_000, 251_000))).toBe(true);
    const gets = proxy.requests.filter((r) => r.method === 'GET');
    expect(gets.map((r) => r.range)).toEqual([
      'bytes=1000-250999',
      'bytes=71000-250999',
      'bytes=141000-250999',
    ]);
    expect(proxy.downloadedBytes).toBe(250_000);
    expect(retries.map((r) => [r.operation, r.attempt])).toEqual([
      ['read', 1],
      ['read', 2],
    ]);
  });

  it('a body that stalls is abandoned after the idle timeout and resumed', async () => {
    const { sdk, base } = await freshContainer();
    const bytes = randomBytes(200_000);
    await put(sdk, 'blob.bin', bytes);
    const azure = azureStorage({ readIdleTimeoutMs: 300 });
    const reader = await azure.openRead(`${base}/blob.bin`);
    proxy.inject(isRangedGet, { kind: 'stallBody', afterBytes: 50_000 });
    const read = await reader.read(0, 200_000);
    expect(Buffer.from(read).equals(bytes)).toBe(true);
    expect(retries).toHaveLength(1);
    expect(String(retries[0]!.error)).toContain('no answer within 300 ms');
  });

  it('503 ServerBusy is retried; when it persists the failure is a retryable TransientStorageError', async () => {
    const { sdk, base } = await freshContainer();
    await put(sdk, 'x.json', '{}');
    const azure = azureStorage();
    proxy.inject((req) => req.method === 'GET', { kind: 'status', status: 503, code: 'ServerBusy' }, 2);
    expect(new TextDecoder().decode(await azure.readAll(`${base}/x.json`))).toBe('{}');

    proxy.inject(
      (req) => req.method === 'GET',
      { kind: 'status', status: 500, code: 'OperationTimedOut' },
      10,
    );
    const error = await azure.readAll(`${base}/x.json`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientStorageError);
    expect((error as Error).message).toBe(
      `read ${base}/x.json: HTTP 500 OperationTimedOut: injected (gave up after 4 tries)`,
    );
  });

  it('a blob replaced while a reader has it open fails with InputChangedError, not a mix of versions', async () => {
    const { sdk, base } = await freshContainer();
    await put(sdk, 'x.bin', 'version one');
    const reader = await azureStorage().openRead(`${base}/x.bin`);
    await put(sdk, 'x.bin', 'version two');
    await expect(reader.read(0, 4)).rejects.toThrow(InputChangedError);
  });
});

describe('writes', () => {
  const BLOCK = 64 * 1024;

  it('uploads in blocks while writing; the object appears only on commit', async () => {
    const { sdk, base } = await freshContainer();
    const azure = azureStorage({ blockSize: BLOCK });
    const data = randomBytes(300 * 1024);
    const sink = await azure.createSink(`${base}/out/predictions/part-1.parquet`);
    for (let i = 0; i < data.length; i += 10 * 1024) await sink.write(data.subarray(i, i + 10 * 1024));

    const blob = sdk.getBlockBlobClient('out/predictions/part-1.parquet');
    expect(await blob.exists()).toBe(false);
    const staged = proxy.requests.filter((r) => r.method === 'PUT' && /comp=block(&|$)/.test(r.url));
    expect(staged).toHaveLength(4); // 4 full blocks of 64 KiB so far; the last 44 KiB are still in memory
    const uncommitted = await blob.getBlockList('uncommitted');
    expect(uncommitted.uncommittedBlocks?.map((b) => b.size)).toEqual([BLOCK, BLOCK, BLOCK, BLOCK]);

    await sink.commit();
    expect((await blob.downloadToBuffer()).equals(data)).toBe(true);
    expect((await blob.getProperties()).contentType).toBe('application/vnd.apache.parquet');
  });

  it('abort leaves nothing under the final name', async () => {
    const { sdk, base } = await freshContainer();
    const sink = await azureStorage({ blockSize: BLOCK }).createSink(`${base}/out/part.parquet`);
    await sink.write(randomBytes(200 * 1024));
    await sink.abort();
    expect(await blobNames(sdk)).toEqual([]);
  });

  it('a block whose connection drops is sent again; the object is whole', async () => {
    const { sdk, base } = await freshContainer();
    const azure = azureStorage({ blockSize: BLOCK });
    const data = randomBytes(3 * BLOCK + 5);
    let blocks = 0;
    proxy.inject((req) => isStageBlock(req) && ++blocks === 2, { kind: 'dropRequest' });
    await azure.writeAll(`${base}/out/part.parquet`, data);
    expect((await sdk.getBlockBlobClient('out/part.parquet').downloadToBuffer()).equals(data)).toBe(true);
    expect(retries.map((r) => r.operation)).toEqual(['write']);
  });

  it('an upload interrupted mid-part fails, and leaves nothing visible', async () => {
    const { sdk, base } = await freshContainer();
    const azure = azureStorage({ blockSize: BLOCK });
    const sink = await azure.createSink(`${base}/out/predictions/part-7.parquet`);
    await sink.write(randomBytes(2 * BLOCK)); // two blocks staged
    proxy.inject(isStageBlock, { kind: 'dropRequest' }, 100); // then the network goes away
    const error = await sink.write(randomBytes(BLOCK)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientStorageError);
    expect((error as Error).message).toContain(`write ${base}/out/predictions/part-7.parquet`);
    await sink.abort();
    expect(await blobNames(sdk)).toEqual([]);
    const uncommitted = await sdk
      .getBlockBlobClient('out/predictions/part-7.parquet')
      .getBlockList('uncommitted');
    expect(uncommitted.uncommittedBlocks).toHaveLength(2);
  });

  it('remove deletes an object and everything under it as a folder, and nothing beside it', async () => {
    const { sdk, base } = await freshContainer();
    for (const name of [
      'out/predictions/a',
      'out/predictions/sub/b',
      'out/predictions2/c',
      'out/manifest.json',
    ])
      await put(sdk, name, 'x');
    const azure = azureStorage();
    await azure.remove(`${base}/out/predictions`);
    await azure.remove(`${base}/out/manifest.json`);
    await azure.remove(`${base}/out/never-existed`);
    expect(await blobNames(sdk)).toEqual(['out/predictions2/c']);
    expect(await azure.removeTemporaries(`${base}/out/predictions`)).toBe(0);
  });
});

describe('credentials and clear errors', () => {
  it('a wrong key fails at once with StorageAccessError naming account, container, path and the variable', async () => {
    const { sdk, base, name } = await freshContainer();
    await put(sdk, 'in/x.parquet', 'x');
    const wrongKey = randomBytes(64).toString('base64');
    env = { AZURE_STORAGE_CONNECTION_STRING: connectionStringFor(proxy.blobEndpoint, wrongKey) };
    const azure = azureStorage();
    for (const attempt of [
      () => azure.list(`${base}/in`, '.parquet'),
      () => azure.readAll(`${base}/in/x.parquet`),
      () => azure.writeAll(`${base}/out/y.json`, '{}'),
    ]) {
      proxy.reset();
      const error = (await attempt().catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(StorageAccessError);
      expect(error.message).toContain(`storage account "${AZURITE_ACCOUNT}", container "${name}"`);
      expect(error.message).toContain('HTTP 403 AuthorizationFailure');
      expect(error.message).toContain('using AZURE_STORAGE_CONNECTION_STRING (AccountKey)');
      expect(error.message).not.toContain(wrongKey);
      expect(proxy.requests).toHaveLength(1); // never retried
    }
    expect(await blobNames(sdk, 'out')).toEqual([]);
  });

  it('a read-only SAS token reads and lists; a write is refused as lacking permission, without echoing the token', async () => {
    const { sdk, base } = await freshContainer();
    await put(sdk, 'in/x.parquet', 'hello');
    const sas = generateAccountSASQueryParameters(
      {
        expiresOn: new Date(Date.now() + 3_600_000),
        permissions: AccountSASPermissions.parse('rl'),
        resourceTypes: AccountSASResourceTypes.parse('sco').toString(),
        services: AccountSASServices.parse('b').toString(),
      },
      new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY),
    ).toString();
    const signature = new URLSearchParams(sas).get('sig')!;
    for (const variant of [
      { AZURE_STORAGE_CONNECTION_STRING: `BlobEndpoint=${proxy.blobEndpoint};SharedAccessSignature=${sas}` },
      {
        AZURE_STORAGE_CONNECTION_STRING: `BlobEndpoint=${proxy.blobEndpoint}`,
        AZURE_STORAGE_SAS_TOKEN: `?${sas}`,
      },
    ]) {
      env = variant;
      const azure = azureStorage();
      expect((await azure.list(`${base}/in`, '.parquet')).map((o) => o.size)).toEqual([5]);
      expect(new TextDecoder().decode(await azure.readAll(`${base}/in/x.parquet`))).toBe('hello');
      const error = (await azure.writeAll(`${base}/out/y.json`, '{}').catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(StorageAccessError);
      expect(error.message).toContain('HTTP 403 AuthorizationPermissionMismatch');
      expect(error.message).toContain('lacks permission');
      expect(error.message).not.toContain(signature);
      expect(error.message).not.toContain(encodeURIComponent(signature));
    }
  });

  it('a missing container: reads name it (InputNotFoundError), writes refuse (StorageAccessError), stat and remove see nothing', async () => {
    const azure = azureStorage();
    const base = `az://${AZURITE_ACCOUNT}/no-such-container`;
    const listError = await azure.list(`${base}/in`, '.parquet').catch((e: unknown) => e);
    expect(listError).toBeInstanceOf(InputNotFoundError);
    expect((listError as Error).message).toBe(
      `${base}/in: container "no-such-container" does not exist in storage account "${AZURITE_ACCOUNT}"`,
    );
    const writeError = await azure.writeAll(`${base}/out/x.json`, '{}').catch((e: unknown) => e);
    expect(writeError).toBeInstanceOf(StorageAccessError);
    expect((writeError as Error).message).toContain('create it first');
    expect(await azure.stat(`${base}/out/x.json`)).toBeNull();
    await expect(azure.remove(`${base}/out`)).resolves.toBeUndefined();
    await expect(azure.openRead(`${base}/in/x.parquet`)).rejects.toThrow(InputNotFoundError);
  });

  it('a missing blob is InputNotFoundError naming account, container and path', async () => {
    const { base, name } = await freshContainer();
    await expect(azureStorage().openRead(`${base}/in/missing.parquet`)).rejects.toThrow(
      `${base}/in/missing.parquet: no such blob (storage account "${AZURITE_ACCOUNT}", container "${name}", path "in/missing.parquet")`,
    );
  });
});
