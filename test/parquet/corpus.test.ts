import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParquetFile } from '../../parquet/reader.js';
import { storageFor } from '../../storage/index.js';
import { sharedDataset } from '../helpers/paths.js';

const CORPUS = sharedDataset('parquet-testing');

/**
 * The Apache parquet-testing corpus: every file either decodes (all the columns we support) or fails with
 * a typed error that names the file. Never a crash, a hang, or silently wrong numbers.
 */
const storage = storageFor(CORPUS);

async function readEverything(uri: string) {
  const file = await ParquetFile.open(storage, uri);
  try {
    const columns = file.columns.filter((c) => c.kind !== 'unsupported').map((c) => c.name);
    const values: Record<string, unknown[]> = Object.fromEntries(columns.map((c) => [c, []]));
    for (let g = 0; g < file.rowGroupRows.length; g++) {
      const batch = await file.readRowGroup(g, columns);
      for (const c of columns) {
        const vector = batch.columns.get(c)!;
        for (let i = 0; i < batch.rows; i++) values[c]!.push(vector.get(i));
      }
    }
    return { rows: file.rows, columns: file.columns, values };
  } finally {
    await file.close();
  }
}

describe('valid corpus files decode', () => {
  const valid = readdirSync(path.join(CORPUS, 'data')).filter(
    (f) => f !== 'datapage_v1-corrupt-checksum.parquet',
  );
  it.each(valid)('%s', async (name) => {
    const result = await readEverything(path.join(CORPUS, 'data', name));
    expect(result.rows).toBeGreaterThan(0);
  });

  it('reads known values exactly: doubles, int64, INT96 timestamps, NaN', async () => {
    const plain = await readEverything(path.join(CORPUS, 'data', 'alltypes_plain.parquet'));
    expect(plain.values.id).toEqual([4, 5, 6, 7, 2, 3, 0, 1]);
    expect(plain.values.double_col).toEqual([0, 10.1, 0, 10.1, 0, 10.1, 0, 10.1]);
    expect(plain.values.bigint_col).toEqual([0n, 10n, 0n, 10n, 0n, 10n, 0n, 10n]);
    expect(plain.values.timestamp_col![0]).toBe(Date.UTC(2009, 2, 1));
    const nan = await readEverything(path.join(CORPUS, 'data', 'single_nan.parquet'));
    expect(nan.values.mycol).toEqual([null]);
    const split = await readEverything(path.join(CORPUS, 'data', 'byte_stream_split.zstd.parquet'));
    expect(split.values.f64![0]).toBe(-1.3065268517353166);
  });
});

describe('malformed files fail with a typed error naming the file', () => {
  it.each([
    [
      'data/datapage_v1-corrupt-checksum.parquet',
      'CorruptParquetError',
      /row group 0, column "a": page 0 fails its CRC-32 checksum/,
    ],
    ['bad_data/ARROW-GH-41321.parquet', 'CorruptParquetError', /row group 0, column "\w+": cannot decode/],
    ['bad_data/PARQUET-1481.parquet', 'NotParquetError', /cannot decode the Parquet footer/],
  ])('%s', async (name, type, message) => {
    const uri = path.join(CORPUS, name);
    const error = (await readEverything(uri).catch((e: unknown) => e)) as Error;
    expect(error.name).toBe(type);
    expect(error.message.startsWith(uri)).toBe(true);
    expect(error.message).toMatch(message);
  });

  it('bad_data/ARROW-RS-GH-6229-LEVELS.parquet: its only column is nested, which is refused as a feature', async () => {
    const file = await ParquetFile.open(
      storage,
      path.join(CORPUS, 'bad_data', 'ARROW-RS-GH-6229-LEVELS.parquet'),
    );
    try {
      expect(file.columns).toEqual([
        { name: 'outer', kind: 'unsupported', parquetType: 'group (nested)', nullable: true },
      ]);
    } finally {
      await file.close();
    }
  });
});
