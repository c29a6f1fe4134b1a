import { describe, expect, it } from 'vitest';
import { StorageAccessError } from '../../domain/errors.js';
import { backendFor, storageFor } from '../../storage/index.js';
import { LocalStorage } from '../../storage/local.js';
import {
  folderPrefix,
  formatBlobUri,
  isAzureBlobUri,
  joinBlobUri,
  parseBlobUri,
  relativeBlobUri,
} from '../../storage/azure-uri.js';
import { AzureBlobStorage } from '../../storage/azure.js';

describe('Azure blob URIs', () => {
  it('parses both spellings into account, container and path', () => {
    expect(parseBlobUri('az://acct/sensors/2026/12/part-0.parquet')).toEqual({
      account: 'acct',
      container: 'sensors',
      path: '2026/12/part-0.parquet',
      style: 'az',
    });
    expect(parseBlobUri('https://acct.blob.core.windows.net/sensors/a%20b/x.parquet')).toEqual({
      account: 'acct',
      container: 'sensors',
      path: 'a b/x.parquet',
      style: 'https',
    });
    expect(parseBlobUri('az://acct/sensors')).toMatchObject({ container: 'sensors', path: '' });
    expect(parseBlobUri('az://acct/sensors/data/*.parquet').path).toBe('data/*.parquet');
    expect(parseBlobUri('https://acct.blob.core.windows.net/c01/data/part-00?.parquet').path).toBe(
      'data/part-00?.parquet',
    );
  });

  it('formats back in the spelling it came in, encoding https paths', () => {
    for (const uri of [
      'az://acct/sensors/a b/x.parquet',
      'https://acct.blob.core.windows.net/sensors/a%20b/x.parquet',
    ])
      expect(formatBlobUri(parseBlobUri(uri))).toBe(uri);
  });

  it('refuses malformed names with the expected form, and SAS tokens without repeating them', () => {
    expect(() => parseBlobUri('az://Acct/c01/x')).toThrow(/"Acct" is not a storage account name/);
    expect(() => parseBlobUri('az://acct')).toThrow(
      /no container; expected az:\/\/<account>\/<container>\/<path>/,
    );
    expect(() => parseBlobUri('az://acct/Data_1/x')).toThrow(StorageAccessError);
    expect(() => parseBlobUri('az://acct/logs-*/x')).toThrow(
      /wildcards are allowed only after the container/,
    );
    const withSas = 'https://acct.blob.core.windows.net/c01/x.parquet?sv=2024-01-01&sig=SECRETSIG';
    const error = (() => {
      try {
        parseBlobUri(withSas);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(StorageAccessError);
    expect(error?.message).toContain('carries a SAS token');
    expect(error?.message).not.toContain('SECRETSIG');
  });

  it('joins and relativizes like path.posix, never leaving the container', () => {
    expect(joinBlobUri('az://acct/out/run1', 'predictions', 'part-1.parquet')).toBe(
      'az://acct/out/run1/predictions/part-1.parquet',
    );
    expect(joinBlobUri('az://acct/out', 'run1')).toBe('az://acct/out/run1');
    expect(joinBlobUri('az://acct/out/run1/', '_work/')).toBe('az://acct/out/run1/_work');
    expect(joinBlobUri('az://acct/out/a', '../../..', 'b')).toBe('az://acct/out/b');
    expect(joinBlobUri('https://acct.blob.core.windows.net/out/r 1', 'x.json')).toBe(
      'https://acct.blob.core.windows.net/out/r%201/x.json',
    );
    expect(relativeBlobUri('az://acct/out/run1', 'az://acct/out/run1/drift/report.json')).toBe(
      'drift/report.json',
    );
    expect(relativeBlobUri('az://acct/out/run1', 'az://acct/out/other/x')).toBe('../other/x');
    expect(relativeBlobUri('az://acct/out/run1', 'az://acct/elsewhere/x')).toBe('az://acct/elsewhere/x');
    expect(folderPrefix('')).toBe('');
    expect(folderPrefix('data//')).toBe('data/');
  });

  it('routes URIs to the storage that serves them', () => {
    expect(isAzureBlobUri('az://acct/c01/x')).toBe(true);
    expect(isAzureBlobUri('https://acct.blob.core.windows.net/c01/x')).toBe(true);
    expect(isAzureBlobUri('https://example.com/c01/x')).toBe(false);
    expect(backendFor('az://acct/c01/x')).toBeInstanceOf(AzureBlobStorage);
    expect(backendFor('https://acct.blob.core.windows.net/c01/x')).toBeInstanceOf(AzureBlobStorage);
    expect(backendFor('/data/x.parquet')).toBeInstanceOf(LocalStorage);
    expect(backendFor('file:///data/x.parquet')).toBeInstanceOf(LocalStorage);
    expect(() => storageFor('s3://bucket/x')).toThrow(/unsupported storage URI scheme "s3:\/\/"/);
    expect(() => storageFor('abfss://c@acct.dfs.core.windows.net/x')).toThrow(StorageAccessError);
  });

  it("routes every call by its own URI, so the output's storage still reads a local model folder", () => {
    const storage = storageFor('az://acct/out/run1');
    expect(storage.join('/models/m1', 'reference_profile.json')).toBe('/models/m1/reference_profile.json');
    expect(storage.join('az://acct/out/run1', 'manifest.json')).toBe('az://acct/out/run1/manifest.json');
    expect(storage.relative('az://acct/out/run1', 'az://acct/out/run1/drift/report.json')).toBe(
      'drift/report.json',
    );
    expect(storage.relative('az://acct/out/run1', '/local/part.parquet')).toBe('/local/part.parquet');
  });

  it('gives local paths the same relative form', () => {
    const local = new LocalStorage();
    expect(local.relative('/out/run1', '/out/run1/predictions/part-1.parquet')).toBe(
      'predictions/part-1.parquet',
    );
    expect(local.relative('file:///out/run1', '/out/run1/drift/report.json')).toBe('drift/report.json');
  });
});
