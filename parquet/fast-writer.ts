import type * as arrow from 'apache-arrow';
import type { ColumnChunk, Encoding, SchemaElement, Statistics } from 'hyparquet';
import type { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { snappyCompressor } from 'hysnappy';
import { isValid, validityOf } from './arrow-columns.js';
import type { OutputColumn, OutputValues } from './writer.js';

/**
 * The hot path of writing: a row group of flat columns (numbers from typed arrays or single-chunk Arrow
 * vectors, strings from plain arrays) encoded as one snappy-compressed v1 data page per column: PLAIN
 * values, dictionary-encoded strings, RLE definition levels, min/max statistics computed without BigInt.
 * hyparquet-writer spent about 1 µs per 4-column row (a BigInt per int64 value for range checks and
 * statistics, and JS snappy); this is a few tens of nanoseconds. A group it cannot encode this way
 * (other value shapes) returns undefined and goes through hyparquet-writer.
 */
const compress = snappyCompressor();

/** Values of one column made ready to encode: fixed-width bytes or string dictionary, plus validity. */
interface Prepared {
  element: SchemaElement;
  name: string;
  /** Fixed-width values as 32-bit words (all rows, nulls included), or string rows. */
  words?: Int32Array;
  wordsPerValue?: 1 | 2;
  strings?: readonly string[];
  validity: Uint8Array | undefined;
  nullCount: number;
}

/**
 * Encodes one row group into `writer` and returns its column chunks, or undefined (writing nothing) when a
 * column's values do not fit the fast path.
 */
export function writeFastRowGroup(
  writer: ByteWriter,
  schema: readonly SchemaElement[],
  columns: readonly OutputColumn[],
  values: ReadonlyMap<string, OutputValues>,
  rows: number,
): ColumnChunk[] | undefined {
  const prepared: Prepared[] = [];
  for (const [i, column] of columns.entries()) {
    const data = values.get(column.name);
    const p = data && prepare(schema[i + 1]!, column, data, rows);
    if (!p) return undefined;
    prepared.push(p);
  }
  return prepared.map((p) =>
    p.strings ? writeStringChunk(writer, p, rows) : writeFixedChunk(writer, p, rows),
  );
}

function prepare(
  element: SchemaElement,
  column: OutputColumn,
  data: OutputValues,
  rows: number,
): Prepared | undefined {
  if (data.length !== rows) return undefined;
  const base = { element, name: column.name };
  if (column.kind === 'string') {
    if (!Array.isArray(data)) return undefined;
    for (let i = 0; i < rows; i++) if (typeof data[i] !== 'string') return undefined;
    return { ...base, strings: data, validity: undefined, nullCount: 0 };
  }
  let typed: unknown = data;
  let validity: Uint8Array | undefined;
  let nullCount = 0;
  if (!ArrayBuffer.isView(data) && !Array.isArray(data)) {
    const vector = data as arrow.Vector;
    if (vector.data.length !== 1) return undefined;
    typed = vector.data[0]!.values as unknown;
    validity = validityOf(vector);
    nullCount = validity ? vector.nullCount : 0;
  }
  const fits =
    (column.kind === 'float64' && typed instanceof Float64Array) ||
    (column.kind === 'float32' && typed instanceof Float32Array) ||
    (column.kind === 'int32' && typed instanceof Int32Array) ||
    ((column.kind === 'int64' || column.kind === 'timestamp_ms') && typed instanceof BigInt64Array);
  if (!fits) return undefined;
  const view = typed as Float64Array | Float32Array | Int32Array | BigInt64Array;
  const wordsPerValue = view.BYTES_PER_ELEMENT === 8 ? 2 : 1;
  if (view.length < rows || view.byteOffset % 4 !== 0) return undefined;
  const words = new Int32Array(view.buffer, view.byteOffset, rows * wordsPerValue);
  return { ...base, words, wordsPerValue, validity, nullCount };
}

/** Reused page buffer: the uncompressed page is assembled here, then compressed. */
let scratch = new Uint8Array(1 << 20);

function page(size: number): Uint8Array {
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, scratch.length * 2));
  return scratch;
}

function writeFixedChunk(writer: ByteWriter, p: Prepared, rows: number): ColumnChunk {
  const width = p.wordsPerValue! * 4;
  const levels = definitionLevels(p.validity, rows);
  const present = rows - p.nullCount;
  const size = 4 + levels.length + present * width;
  const buffer = page(size);
  writeUint32(buffer, 0, levels.length);
  buffer.set(levels, 4);
  const valueBytes = new Uint8Array(p.words!.buffer, p.words!.byteOffset, rows * width);
  if (p.nullCount === 0) buffer.set(valueBytes, 4 + levels.length);
  else {
    let at = 4 + levels.length;
    for (let i = 0; i < rows; i++) {
      if (!isValid(p.validity, i)) continue;
      buffer.set(valueBytes.subarray(i * width, (i + 1) * width), at);
      at += width;
    }
  }
  const start = writer.offset;
  const uncompressed = writeDataPage(writer, buffer.subarray(0, size), rows, 'PLAIN');
  return chunkOf(
    p,
    rows,
    start,
    undefined,
    writer.offset - start,
    uncompressed,
    ['PLAIN', 'RLE'],
    fixedStatistics(p, rows),
  );
}

function writeStringChunk(writer: ByteWriter, p: Prepared, rows: number): ColumnChunk {
  const strings = p.strings!;
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  const indexes = new Int32Array(rows);
  let last: string | undefined;
  let lastIndex = -1;
  for (let i = 0; i < rows; i++) {
    const s = strings[i]!;
    // Rows of one model version are one string repeated: skip the Map lookup while it repeats.
    if (s !== last) {
      let k = index.get(s);
      if (k === undefined) {
        k = dictionary.length;
        index.set(s, k);
        dictionary.push(s);
      }
      last = s;
      lastIndex = k;
    }
    indexes[i] = lastIndex;
  }
  const encoder = new TextEncoder();
  const encoded = dictionary.map((s) => encoder.encode(s));
  const dictionarySize = encoded.reduce((n, b) => n + 4 + b.length, 0);
  const dictionaryPage = page(dictionarySize);
  let at = 0;
  for (const bytes of encoded) {
    writeUint32(dictionaryPage, at, bytes.length);
    dictionaryPage.set(bytes, at + 4);
    at += 4 + bytes.length;
  }
  const start = writer.offset;
  let uncompressed = writePage(writer, dictionaryPage.subarray(0, dictionarySize), {
    type: 'DICTIONARY_PAGE',
    dictionary_page_header: { num_values: dictionary.length, encoding: 'PLAIN' },
  });
  const dataStart = writer.offset;
  const levels = definitionLevels(undefined, rows);
  const bitWidth = Math.max(1, Math.ceil(Math.log2(dictionary.length)));
  const packed = hybrid(indexes, rows, bitWidth);
  const size = 4 + levels.length + 1 + packed.length;
  const buffer = page(size);
  writeUint32(buffer, 0, levels.length);
  buffer.set(levels, 4);
  buffer[4 + levels.length] = bitWidth;
  buffer.set(packed, 5 + levels.length);
  uncompressed += writeDataPage(writer, buffer.subarray(0, size), rows, 'RLE_DICTIONARY');
  const sorted = encoded.slice().sort((a, b) => Buffer.compare(a, b));
  const statistics: Statistics = {
    null_count: 0n,
    min_value: sorted[0],
    max_value: sorted[sorted.length - 1],
  };
  return chunkOf(
    p,
    rows,
    start,
    dataStart,
    writer.offset - start,
    uncompressed,
    ['PLAIN', 'RLE', 'RLE_DICTIONARY'],
    statistics,
    start,
  );
}

function writeDataPage(writer: ByteWriter, bytes: Uint8Array, rows: number, encoding: Encoding): number {
  return writePage(writer, bytes, {
    type: 'DATA_PAGE',
    data_page_header: {
      num_values: rows,
      encoding,
      definition_level_encoding: 'RLE',
      repetition_level_encoding: 'RLE',
    },
  });
}

/** Compresses and appends one page with its header; returns the uncompressed size (header included). */
function writePage(writer: ByteWriter, bytes: Uint8Array, header: Record<string, unknown>): number {
  const compressed = compress(bytes);
  const before = writer.offset;
  writePageHeader(writer, {
    ...header,
    uncompressed_page_size: bytes.length,
    compressed_page_size: compressed.length,
  } as never);
  const headerSize = writer.offset - before;
  writer.appendBytes(compressed);
  return headerSize + bytes.length;
}

function chunkOf(
  p: Prepared,
  rows: number,
  start: number,
  dataStart: number | undefined,
  compressedSize: number,
  uncompressedSize: number,
  encodings: Encoding[],
  statistics: Statistics,
  dictionaryStart?: number,
): ColumnChunk {
  return {
    file_offset: BigInt(start),
    meta_data: {
      type: p.element.type!,
      encodings,
      path_in_schema: [p.name],
      codec: 'SNAPPY',
      num_values: BigInt(rows),
      total_uncompressed_size: BigInt(uncompressedSize),
      total_compressed_size: BigInt(compressedSize),
      data_page_offset: BigInt(dataStart ?? start),
      ...(dictionaryStart === undefined ? {} : { dictionary_page_offset: BigInt(dictionaryStart) }),
      statistics,
    },
  };
}

/** Definition levels (max level 1) as RLE runs: one run when no row is null. */
function definitionLevels(validity: Uint8Array | undefined, rows: number): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < rows) {
    const value = isValid(validity, i) ? 1 : 0;
    let j = i + 1;
    if (!validity) j = rows;
    else while (j < rows && (isValid(validity, j) ? 1 : 0) === value) j++;
    pushVarint(out, (j - i) * 2);
    out.push(value);
    i = j;
  }
  return Uint8Array.from(out);
}

/** Dictionary indexes as one RLE run when they are all equal, else one bit-packed run. */
function hybrid(values: Int32Array, rows: number, bitWidth: number): Uint8Array {
  const out: number[] = [];
  if (rows > 0 && values.every((v) => v === values[0])) {
    pushVarint(out, rows * 2);
    for (let j = 0; j < (bitWidth + 7) >> 3; j++) out.push((values[0]! >>> (8 * j)) & 0xff);
    return Uint8Array.from(out);
  }
  const groups = Math.ceil(rows / 8);
  pushVarint(out, groups * 2 + 1);
  const packed = new Uint8Array(groups * bitWidth);
  let bit = 0;
  for (let i = 0; i < groups * 8; i++) {
    const v = i < rows ? values[i]! : 0;
    for (let j = 0; j < bitWidth; j++, bit++) if ((v >>> j) & 1) packed[bit >> 3]! |= 1 << (bit & 7);
  }
  return Uint8Array.from([...out, ...packed]);
}

function pushVarint(out: number[], value: number): void {
  while (value >= 0x80) {
    out.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

function writeUint32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = (value >>> 24) & 0xff;
}

/** null_count, and min/max over non-null values (NaN skipped, as the format asks) with signed zeros normalised. */
function fixedStatistics(p: Prepared, rows: number): Statistics {
  const stats: Statistics & { nan_count?: bigint } = { null_count: BigInt(p.nullCount) };
  const type = p.element.type;
  const words = p.words!;
  if (type === 'DOUBLE' || type === 'FLOAT') {
    const values =
      type === 'DOUBLE'
        ? new Float64Array(words.buffer, words.byteOffset, rows)
        : new Float32Array(words.buffer, words.byteOffset, rows);
    let min = Infinity;
    let max = -Infinity;
    let nans = 0;
    let seen = false;
    for (let i = 0; i < rows; i++) {
      if (p.validity && !isValid(p.validity, i)) continue;
      const v = values[i]!;
      if (v !== v) {
        nans++;
        continue;
      }
      seen = true;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    stats.nan_count = BigInt(nans);
    if (seen) {
      stats.min_value = min === 0 ? -0 : min;
      stats.max_value = max === 0 ? 0 : max;
    }
    return stats;
  }
  if (type === 'INT32') {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < rows; i++) {
      if (p.validity && !isValid(p.validity, i)) continue;
      const v = words[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (min <= max) {
      stats.min_value = min;
      stats.max_value = max;
    }
    return stats;
  }
  // INT64: compare (high word signed, low word unsigned) pairs; a BigInt only for the two results.
  let minAt = -1;
  let maxAt = -1;
  for (let i = 0; i < rows; i++) {
    if (p.validity && !isValid(p.validity, i)) continue;
    if (minAt < 0 || less(words, i, minAt)) minAt = i;
    if (maxAt < 0 || less(words, maxAt, i)) maxAt = i;
  }
  if (minAt >= 0) {
    const big = new BigInt64Array(words.buffer, words.byteOffset, rows);
    stats.min_value = big[minAt]!;
    stats.max_value = big[maxAt]!;
  }
  return stats;
}

function less(words: Int32Array, a: number, b: number): boolean {
  const ha = words[2 * a + 1]!;
  const hb = words[2 * b + 1]!;
  return ha < hb || (ha === hb && words[2 * a]! >>> 0 < words[2 * b]! >>> 0);
}
