import { readdirSync } from 'node:fs';
import path from 'node:path';
import type * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { binningFromSample } from '../../domain/drift/binning.js';
import { sketchOf, sketchOfCounts } from '../../domain/drift/sketch.js';
import { columnStatsOf, columnStatsOfCounts } from '../../domain/stats.js';
import { decodeHybrid, valueCountsOf } from '../../parquet/column-chunk.js';
import { ParquetFile } from '../../parquet/reader.js';
import { storageFor } from '../../storage/index.js';
import { DATASETS, ROOT, sharedDataset } from '../helpers/paths.js';

const CORPUS = sharedDataset('parquet-testing');

/**
 * The fast column path (parquet/column-chunk.ts) must give exactly what hyparquet gives: the same Arrow
 * type, the same nulls, and the same value bits, for every file we have. make_fast_path_fixtures.py writes
 * the shapes pyarrow can produce (data pages v1 and v2, dictionary and PLAIN pages in one chunk, nulls,
 * checksums, codecs and encodings the fast path leaves to hyparquet).
 */
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'fast-path');

function parquetFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

const files = [
  ...parquetFiles(FIXTURES),
  ...parquetFiles(path.join(DATASETS, 'ai4i2020', 'parquet')),
  ...parquetFiles(path.join(DATASETS, 'cmapss', 'parquet')),
  ...parquetFiles(path.join(CORPUS, 'data')).filter(
    (f) => !f.endsWith('datapage_v1-corrupt-checksum.parquet'),
  ),
];

/** The bytes behind a vector (its values and validity), and what get() returns for every row. */
function describeVector(vector: arrow.Vector) {
  const data = vector.data[0]!;
  const values = data.values as unknown as ArrayBufferView & { BYTES_PER_ELEMENT: number };
  const bytes = new Uint8Array(values.buffer, values.byteOffset, vector.length * values.BYTES_PER_ELEMENT);
  const rows: unknown[] = [];
  for (let i = 0; i < vector.length; i++) rows.push(vector.get(i));
  return {
    type: String(vector.type),
    length: vector.length,
    nullCount: vector.nullCount,
    chunks: vector.data.length,
    // Null slots hold NaN (floats) or 0 (integers) on both paths; the bitmap only matters where rows are null.
    bytes: Buffer.from(bytes).toString('base64'),
    rows,
  };
}

let fastChunks = 0;

describe('the fast column path decodes exactly like hyparquet', () => {
  it.each(files.map((f) => [path.relative(ROOT, f), f]))('%s', async (_name, uri) => {
    const file = await ParquetFile.open(storageFor(uri), uri);
    try {
      const numeric = file.columns
        .filter((c) => ['float64', 'float32', 'int32', 'int64', 'timestamp_ms'].includes(c.kind))
        .map((c) => c.name);
      for (let g = 0; g < file.rowGroupRows.length; g++) {
        const fast = await file.readRowGroup(g, numeric).catch((e: unknown) => e);
        const slow = await file.readRowGroup(g, numeric, { hyparquetOnly: true }).catch((e: unknown) => e);
        if (slow instanceof Error) {
          // A file hyparquet cannot read must fail on the fast path too, with the same kind of error.
          expect(fast).toBeInstanceOf(Error);
          expect((fast as Error).name).toBe(slow.name);
          continue;
        }
        if (fast instanceof Error) throw fast;
        fastChunks += file.chunksDecoded.fast;
        const a = fast as Awaited<ReturnType<ParquetFile['readRowGroup']>>;
        const b = slow as Awaited<ReturnType<ParquetFile['readRowGroup']>>;
        expect([...a.columns.keys()]).toEqual(numeric);
        for (const name of numeric) {
          expect(describeVector(a.columns.get(name)!), `${name}, row group ${g}`).toEqual(
            describeVector(b.columns.get(name)!),
          );
        }
      }
    } finally {
      await file.close();
    }
  });

  it('took the fast path for most of those chunks', () => {
    expect(fastChunks).toBeGreaterThan(100);
  });

  it('covers the shapes it claims: fixtures mix dictionary and PLAIN pages, v1 and v2, nulls', async () => {
    const uri = path.join(FIXTURES, 'v1-snappy-dictionary.parquet');
    const file = await ParquetFile.open(storageFor(uri), uri);
    try {
      const batch = await file.readRowGroup(1, ['d', 'd_few', 'd_all_null', 'i64_null', 'ts', 'u32']);
      // u32 (unsigned) is hyparquet's; the other five are the fast path's.
      expect(file.chunksDecoded).toEqual({ fast: 5, hyparquet: 1 });
      expect(batch.rows).toBe(500);
      expect(batch.columns.get('d_all_null')!.nullCount).toBe(500);
      expect(batch.columns.get('d_all_null')!.get(3)).toBeNull();
      expect(batch.columns.get('i64_null')!.nullCount).toBeGreaterThan(200);
      expect(typeof batch.columns.get('u32')!.get(0)).toBe('number');
      const encodings = file.metadata.row_groups[1]!.columns.find(
        (c) => c.meta_data?.path_in_schema[0] === 'd',
      )!.meta_data!.encodings;
      expect(encodings).toEqual(expect.arrayContaining(['PLAIN', 'RLE_DICTIONARY']));
    } finally {
      await file.close();
    }
  });
});

/** A column's non-null values as value -> rows (NaN is one key: Map keys compare by SameValueZero). */
function tally(values: ArrayLike<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i < values.length; i++) out.set(values[i]!, (out.get(values[i]!) ?? 0) + 1);
  return out;
}

describe('value counts of dictionary-encoded double columns', () => {
  let counted = 0;
  let uncounted = 0;
  let categorical = 0;
  it.each(files.map((f) => [path.relative(ROOT, f), f]))('%s', async (_name, uri) => {
    const file = await ParquetFile.open(storageFor(uri), uri);
    try {
      const doubles = file.columns.filter((c) => c.kind === 'float64').map((c) => c.name);
      for (let g = 0; g < file.rowGroupRows.length && doubles.length > 0; g++) {
        const batch = await file.readRowGroup(g, doubles).catch(() => undefined);
        if (!batch) continue; // files the reader refuses are the test above's business
        for (const name of doubles) {
          const vector = batch.columns.get(name)!;
          const counts = valueCountsOf(vector);
          if (!counts) {
            uncounted++;
            continue;
          }
          counted++;
          const present = (vector.toArray() as Float64Array).filter((_, i) => vector.isValid(i));
          const fromCounts = new Map<number, number>();
          counts.values.forEach((v, j) => {
            if (counts.counts[j]! > 0) fromCounts.set(v, (fromCounts.get(v) ?? 0) + counts.counts[j]!);
          });
          expect(fromCounts, `${name}, row group ${g}`).toEqual(tally(present));
          // The drift sketch from the counts is the sketch from the rows, count for count.
          const sorted = Float64Array.from(present.filter((v) => Number.isFinite(v))).sort();
          if (sorted.length === 0) continue;
          const binning = binningFromSample(
            sorted,
            { min: sorted[0]!, max: sorted[sorted.length - 1]!, std: null },
            // Few distinct values make a categorical binning, which the sketch counts per value too.
            [...new Set(sorted)],
          );
          if (binning.categories) categorical++;
          expect(sketchOfCounts(counts.values, counts.counts, binning, 'r')).toEqual(
            sketchOf(Float64Array.from(present), binning, 'r'),
          );
          // And the moments: counts and extremes exactly, the sums to rounding.
          const target = { binning, ref: 'r' };
          const perRow = columnStatsOf(Float64Array.from(present), undefined, target);
          const perValue = columnStatsOfCounts(counts.values, counts.counts, target);
          expect({ ...perValue, mean: 0, m2: 0 }).toEqual({ ...perRow, mean: 0, m2: 0 });
          expect(Math.abs(perValue.mean - perRow.mean)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, Math.abs(perRow.mean)),
          );
          expect(Math.abs(perValue.m2 - perRow.m2)).toBeLessThanOrEqual(1e-9 * Math.max(1, perRow.m2));
        }
      }
    } finally {
      await file.close();
    }
  });

  it('were found where every page uses the dictionary, and only there', () => {
    expect(counted).toBeGreaterThan(20);
    expect(categorical).toBeGreaterThan(0);
    // The fixtures' chunks that fall back to PLAIN pages (and the corpus' PLAIN files) have none.
    expect(uncounted).toBeGreaterThan(0);
  });
});

describe('decodeHybrid (RLE / bit-packed runs)', () => {
  /** Encodes values as one bit-packed run (padded to a multiple of 8) followed by one RLE run. */
  function encode(values: number[], width: number, rleValue: number, rleCount: number): Uint8Array {
    const bytes: number[] = [];
    const groups = Math.ceil(values.length / 8);
    const varint = (n: number) => {
      while (n >= 0x80) {
        bytes.push((n & 0x7f) | 0x80);
        n = Math.floor(n / 128);
      }
      bytes.push(n);
    };
    varint(groups * 2 + 1);
    const packed = new Uint8Array(groups * width);
    let bit = 0;
    for (let i = 0; i < groups * 8; i++) {
      const v = values[i] ?? 0;
      for (let j = 0; j < width; j++, bit++)
        if (Math.floor(v / 2 ** j) % 2) packed[bit >> 3]! |= 1 << (bit & 7);
    }
    bytes.push(...packed);
    varint(rleCount * 2);
    for (let j = 0; j < (width + 7) >> 3; j++) bytes.push(Math.floor(rleValue / 2 ** (8 * j)) % 256);
    return Uint8Array.from(bytes);
  }

  it.each([0, 1, 2, 3, 7, 8, 9, 13, 16, 17, 24, 25, 26, 31, 32])('width %i', (width) => {
    const max = 2 ** width;
    const values = Array.from({ length: 24 }, (_, i) => (width === 0 ? 0 : (i * 2654435761) % max));
    const rleValue = width === 0 ? 0 : max - 1;
    const bytes = encode(values, width, rleValue, 5);
    const out = new Int32Array(29);
    decodeHybrid(bytes, 0, bytes.length, width, out, 29);
    const expected = [...values, ...Array<number>(5).fill(rleValue)].map((v) => v | 0);
    expect([...out]).toEqual(expected);
  });

  it('refuses data that ends before its values', () => {
    const bytes = encode([1, 2, 3], 4, 1, 10);
    expect(() => decodeHybrid(bytes, 0, 3, 4, new Int32Array(13), 13)).toThrow(/past its data|ends early/);
  });
});
