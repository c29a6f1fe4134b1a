import type { BlockBlobClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { StorageAccessError } from '../../domain/errors.js';
import { BLOCK_SIZE, BlockBlobSink, MAX_BLOCKS, type SinkCall } from '../../storage/azure-block-sink.js';

/** A stand-in for the service that records staged blocks and what was published. */
function fakeBlob() {
  const staged = new Map<string, Buffer>();
  const calls: string[] = [];
  let published: Buffer | undefined;
  let contentType: string | undefined;
  const blob = {
    stageBlock: (id: string, body: Buffer, length: number) => {
      expect(body.length).toBe(length);
      calls.push(`stage ${length}`);
      staged.set(id, Buffer.from(body));
      return Promise.resolve({});
    },
    commitBlockList: (ids: string[], options: { blobHTTPHeaders: { blobContentType: string } }) => {
      calls.push(`commit ${ids.length}`);
      published = Buffer.concat(ids.map((id) => staged.get(id)!));
      contentType = options.blobHTTPHeaders.blobContentType;
      return Promise.resolve({});
    },
    upload: (body: Buffer, length: number, options: { blobHTTPHeaders: { blobContentType: string } }) => {
      calls.push(`upload ${length}`);
      published = Buffer.from(body);
      contentType = options.blobHTTPHeaders.blobContentType;
      return Promise.resolve({});
    },
  };
  return {
    client: blob as unknown as BlockBlobClient,
    calls,
    staged,
    published: () => published,
    contentType: () => contentType,
  };
}

const direct: SinkCall = (attempt) => attempt(new AbortController().signal);

describe('block blob sink', () => {
  it('keeps a 200 GB object under the 50,000-block limit', () => {
    expect(Math.ceil(200e9 / BLOCK_SIZE)).toBeLessThan(MAX_BLOCKS);
    expect(MAX_BLOCKS * BLOCK_SIZE).toBeGreaterThan(200e9);
  });

  it('stages full blocks as data arrives and publishes them in order on commit', async () => {
    const fake = fakeBlob();
    const sink = new BlockBlobSink('az://acct/c01/out/part-1.parquet', fake.client, direct, 1000);
    const data = Buffer.from(Array.from({ length: 3500 }, (_, i) => i % 251));
    for (let i = 0; i < data.length; i += 300) await sink.write(data.subarray(i, i + 300));
    // Three full blocks are already staged; the 500 bytes left are the only ones held in memory.
    expect(fake.calls).toEqual(['stage 1000', 'stage 1000', 'stage 1000']);
    expect(fake.published()).toBeUndefined();
    await sink.commit();
    expect(fake.calls.slice(3)).toEqual(['stage 500', 'commit 4']);
    expect(fake.published()).toEqual(data);
    expect(fake.contentType()).toBe('application/vnd.apache.parquet');
  });

  it('sends an object smaller than a block in one atomic Put Blob', async () => {
    const fake = fakeBlob();
    const sink = new BlockBlobSink('az://acct/c01/out/manifest.json', fake.client, direct);
    await sink.write(Buffer.from('{"ok":true}'));
    await sink.commit();
    expect(fake.calls).toEqual(['upload 11']);
    expect(fake.contentType()).toBe('application/json');
  });

  it('uses block ids unique to the attempt, so two attempts on one name never mix blocks', async () => {
    const fake = fakeBlob();
    const first = new BlockBlobSink('az://acct/c01/p', fake.client, direct, 10);
    const second = new BlockBlobSink('az://acct/c01/p', fake.client, direct, 10);
    await first.write(Buffer.alloc(20, 1));
    await second.write(Buffer.alloc(20, 2));
    expect(fake.staged.size).toBe(4);
    expect(new Set([...fake.staged.keys()].map((id) => Buffer.from(id, 'base64').length)).size).toBe(1);
  });

  it('after abort, or a failed write, nothing is published and later calls fail', async () => {
    const fake = fakeBlob();
    const sink = new BlockBlobSink('az://acct/c01/p', fake.client, direct, 10);
    await sink.write(Buffer.alloc(25));
    await sink.abort();
    await expect(sink.commit()).rejects.toThrow(/already committed or aborted/);
    expect(fake.published()).toBeUndefined();

    let failNext = true;
    const flaky: SinkCall = (attempt) => {
      if (failNext) return Promise.reject(new Error('network down'));
      return attempt(new AbortController().signal);
    };
    const broken = new BlockBlobSink('az://acct/c01/q', fake.client, flaky, 10);
    await expect(broken.write(Buffer.alloc(15))).rejects.toThrow('network down');
    failNext = false;
    await expect(broken.commit()).rejects.toThrow('network down');
    expect(fake.published()).toBeUndefined();
  });

  it('refuses to stage block 50,001', async () => {
    const fake = fakeBlob();
    fake.client.stageBlock = () => Promise.resolve({} as never);
    const sink = new BlockBlobSink('az://acct/c01/huge', fake.client, direct, 1);
    await sink.write(Buffer.alloc(MAX_BLOCKS));
    const error = await sink.write(Buffer.alloc(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageAccessError);
    expect((error as Error).message).toContain('50000 blocks');
  });
});
