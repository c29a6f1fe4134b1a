import * as arrow from 'apache-arrow';
import type { ColumnMetaData, SchemaElement } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { decompress, fastCodec } from './codecs.js';
import type { ColumnKind } from './schema.js';

/**
 * The hot path of reading: one flat, fixed-width numeric column chunk (DOUBLE, FLOAT, INT32, INT64 and
 * INT64 millisecond timestamps; PLAIN or dictionary encoded; data pages v1 and v2; required or optional)
 * decoded straight into one typed array and a validity bitmap. hyparquet first decodes into a JS Array per
 * column chunk and boxes every value of a column with nulls, which made reading cost about as much as the
 * model itself; this costs a few nanoseconds per value. Anything else goes through hyparquet: a chunk
 * the fast path meets something unexpected in throws FallBack before returning anything.
 */
export type FastKind = 'float64' | 'float32' | 'int32' | 'int64' | 'timestamp_ms';

/** Thrown when the fast path does not handle a chunk; the reader then decodes the column with hyparquet. */
export class FallBack extends Error {}

/** The kind a column chunk decodes to on the fast path, or undefined when hyparquet must decode it. */
export function fastKindOf(
  element: SchemaElement,
  kind: ColumnKind,
  meta: ColumnMetaData,
): FastKind | undefined {
  if (meta.path_in_schema.length !== 1 || element.repetition_type === 'REPEATED') return undefined;
  if ((element.num_children ?? 0) > 0 || !fastCodec(meta.codec)) return undefined;
  const logical = element.logical_type;
  const converted = element.converted_type;
  const plainInteger = (bits: number) =>
    (converted === undefined || converted === (bits === 32 ? 'INT_32' : 'INT_64')) &&
    (logical === undefined ||
      (logical.type === 'INTEGER' && logical.bitWidth === bits && logical.isSigned === true));
  switch (kind) {
    case 'float64':
      return element.type === 'DOUBLE' && meta.type === 'DOUBLE' ? kind : undefined;
    case 'float32':
      return element.type === 'FLOAT' && meta.type === 'FLOAT' && logical === undefined ? kind : undefined;
    case 'int32':
      return element.type === 'INT32' && meta.type === 'INT32' && plainInteger(32) ? kind : undefined;
    case 'int64':
      return element.type === 'INT64' && meta.type === 'INT64' && plainInteger(64) ? kind : undefined;
    case 'timestamp_ms': {
      const millis =
        logical?.type === 'TIMESTAMP'
          ? logical.unit === 'MILLIS'
          : logical === undefined && converted === 'TIMESTAMP_MILLIS';
      return element.type === 'INT64' && meta.type === 'INT64' && millis ? kind : undefined;
    }
    default:
      return undefined;
  }
}

/** 4-byte words per value. Values are moved as 32-bit words, so int64 never becomes a BigInt. */
function wordsOf(kind: FastKind): 1 | 2 {
  return kind === 'float32' || kind === 'int32' ? 1 : 2;
}

/**
 * Column buffers given back by a consumer done with a batch (releaseBatch in reader.ts), reused for the
 * next row groups of the same size. A 122,880-row batch of 21 columns is 20 MB of typed arrays; allocating
 * them afresh per row group kept V8's garbage collector busy (external memory pressure forces full GCs).
 */
class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly mine = new WeakSet<ArrayBuffer>();
  private static readonly PER_SIZE = 128;

  take(bytes: number): ArrayBuffer {
    const reused = this.free.get(bytes)?.pop();
    if (reused) return reused;
    const buffer = new ArrayBuffer(bytes);
    this.mine.add(buffer);
    return buffer;
  }

  /** Takes back a buffer this pool made; anything else is left to the garbage collector. */
  give(buffer: ArrayBufferLike): void {
    if (!(buffer instanceof ArrayBuffer) || !this.mine.has(buffer)) return;
    const list =
      this.free.get(buffer.byteLength) ?? this.free.set(buffer.byteLength, []).get(buffer.byteLength)!;
    if (list.length < BufferPool.PER_SIZE && !list.includes(buffer)) list.push(buffer);
  }
}

export const columnBuffers = new BufferPool();

/** Scratch arrays reused from chunk to chunk (the reader decodes one chunk at a time, synchronously). */
let levelScratch = new Int32Array(0);
let indexScratch = new Int32Array(0);

function levels(n: number): Int32Array {
  if (levelScratch.length < n) levelScratch = new Int32Array(n);
  return levelScratch;
}

function indexes(n: number): Int32Array {
  if (indexScratch.length < n) indexScratch = new Int32Array(n);
  return indexScratch;
}

/** A column's distinct values and how many rows hold each: a dictionary and its index counts. */
export interface ValueCounts {
  values: Float64Array;
  counts: Uint32Array;
}

const valueCounts = new WeakMap<arrow.Vector, ValueCounts>();

/**
 * For a double column decoded from a chunk whose every page is dictionary-encoded: its dictionary and how
 * many rows hold each entry (nulls hold none). Statistics that depend only on the values' distribution (the
 * drift sketch) then cost the distinct values instead of the rows: about 25,000 instead of 122,880 per
 * sensor column of a row group.
 */
export function valueCountsOf(vector: arrow.Vector): ValueCounts | undefined {
  return valueCounts.get(vector);
}

/**
 * Decodes `rows` values of one column chunk (all its pages) into an Arrow vector shaped like
 * toArrowVector's: NaN (floats) or 0 (integers) in null slots, and a validity bitmap only when a value is
 * null. Throws FallBack for encodings it does not handle, and Error for bytes that do not decode.
 */
export function decodeColumnChunk(
  chunk: Uint8Array,
  meta: ColumnMetaData,
  kind: FastKind,
  optional: boolean,
  rows: number,
): arrow.Vector {
  const words = wordsOf(kind);
  // Every slot is written below (values or null patterns), so a reused buffer needs no clearing.
  const out = new Int32Array(columnBuffers.take(rows * words * 4));
  const target = targetOf(kind, out);
  let bitmap: Uint8Array | undefined;
  let nullCount = 0;
  let dictionary: Target | undefined;
  let dictionarySize = 0;
  // Index counts per dictionary entry, kept while every data page is dictionary-encoded.
  let counts: Uint32Array | undefined;
  let countable = kind === 'float64';
  let row = 0;
  const reader = { view: new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength), offset: 0 };

  while (row < rows) {
    if (reader.offset >= chunk.length) throw new Error(`column chunk ends after ${row} of ${rows} values`);
    const header = parquetHeader(reader);
    const size = header.compressed_page_size;
    if (!(size >= 0) || reader.offset + size > chunk.length)
      throw new Error('page runs past its column chunk');
    const page = chunk.subarray(reader.offset, reader.offset + size);
    reader.offset += size;

    if (header.type === 'DICTIONARY_PAGE') {
      const dph = header.dictionary_page_header!;
      if (dph.encoding !== 'PLAIN' && dph.encoding !== 'PLAIN_DICTIONARY') throw new FallBack();
      const bytes = decompress(meta.codec, page, header.uncompressed_page_size);
      dictionarySize = dph.num_values;
      if (bytes.length < dictionarySize * words * 4)
        throw new Error('dictionary page is shorter than its values');
      if (dictionary) countable = false;
      dictionary = targetOf(kind, copyWords(bytes, 0, dictionarySize * words));
      if (kind === 'float64') counts = new Uint32Array(dictionarySize);
      continue;
    }
    if (header.type === 'INDEX_PAGE') continue;

    let count: number;
    let encoding: string;
    let data: Uint8Array;
    let pos = 0;
    let defined: Int32Array | undefined;
    if (header.type === 'DATA_PAGE') {
      const dph = header.data_page_header!;
      count = dph.num_values;
      encoding = dph.encoding;
      data = decompress(meta.codec, page, header.uncompressed_page_size);
      if (optional) {
        if (dph.definition_level_encoding !== 'RLE') throw new FallBack();
        if (data.length < 4) throw new Error('data page too short for its definition levels');
        const length = readUint32(data, 0);
        if (4 + length > data.length) throw new Error('definition levels run past the page');
        if (count > rows - row) throw new Error(`pages hold more than the row group's ${rows} values`);
        defined = levels(count);
        decodeHybrid(data, 4, 4 + length, 1, defined, count);
        pos = 4 + length;
      }
    } else if (header.type === 'DATA_PAGE_V2') {
      const v2 = header.data_page_header_v2!;
      count = v2.num_values;
      encoding = v2.encoding;
      const defLength = v2.definition_levels_byte_length;
      if (v2.repetition_levels_byte_length !== 0) throw new FallBack();
      if (defLength < 0 || defLength > page.length) throw new Error('definition levels run past the page');
      if (count > rows - row) throw new Error(`pages hold more than the row group's ${rows} values`);
      if (optional && defLength > 0) {
        defined = levels(count);
        decodeHybrid(page, 0, defLength, 1, defined, count);
      } else if (optional && v2.num_nulls > 0) throw new Error('page has nulls but no definition levels');
      const body = page.subarray(defLength);
      data =
        v2.is_compressed === false
          ? body
          : decompress(meta.codec, body, header.uncompressed_page_size - defLength);
    } else throw new FallBack();
    if (count > rows - row) throw new Error(`pages hold more than the row group's ${rows} values`);

    const nulls = defined ? countZeros(defined, count) : 0;
    if (nulls === 0) defined = undefined;
    else {
      bitmap ??= new Uint8Array((rows + 7) >> 3).fill(0xff);
      nullCount += nulls;
    }
    const present = count - nulls;

    if (encoding === 'PLAIN') {
      countable = false;
      if (data.length - pos < present * words * 4) throw new Error('data page is shorter than its values');
      if (!defined)
        new Uint8Array(out.buffer).set(data.subarray(pos, pos + present * words * 4), row * words * 4);
      else
        spread(target, row, count, targetOf(kind, copyWords(data, pos, present * words)), defined, bitmap!);
    } else if (encoding === 'RLE_DICTIONARY' || encoding === 'PLAIN_DICTIONARY') {
      if (!dictionary) throw new Error('dictionary-encoded page without a dictionary page');
      if (present > 0) {
        if (pos >= data.length) throw new Error('data page has no dictionary index width');
        const width = data[pos]!;
        if (width > 32) throw new Error(`dictionary index width ${width}`);
        const valueIndexes = indexes(present);
        decodeHybrid(data, pos + 1, data.length, width, valueIndexes, present);
        const bad = gather(
          target,
          row,
          count,
          dictionary,
          dictionarySize,
          valueIndexes,
          defined,
          bitmap,
          counts,
        );
        if (bad >= 0)
          throw new Error(`dictionary index ${bad >>> 0} out of range (${dictionarySize} values)`);
      } else spread(target, row, count, dictionary, defined!, bitmap!);
    } else throw new FallBack();
    row += count;
  }
  const vector = vectorOf(kind, out, rows, nullCount, bitmap);
  if (countable && counts && dictionary?.words === 'f64')
    valueCounts.set(vector, { values: dictionary.a, counts });
  return vector;
}

/**
 * Where values are written: doubles as Float64Array (the fastest copy V8 has for 8-byte values), int64 and
 * timestamps as pairs of 32-bit words (never a BigInt), 4-byte types as 32-bit words (bits kept as they are).
 */
type Target =
  | { words: 1; a: Int32Array; nullValue: number }
  | { words: 2; a: Int32Array; nullValue: 0 }
  | { words: 'f64'; a: Float64Array; nullValue: number };

function targetOf(kind: FastKind, words: Int32Array): Target {
  if (kind === 'float64')
    return {
      words: 'f64',
      a: new Float64Array(words.buffer, words.byteOffset, words.length / 2),
      nullValue: NaN,
    };
  if (kind === 'int64' || kind === 'timestamp_ms') return { words: 2, a: words, nullValue: 0 };
  // float32's NaN as a bit pattern: 0x7fc00000.
  return { words: 1, a: words, nullValue: kind === 'float32' ? 0x7fc00000 : 0 };
}

/**
 * Writes `count` rows from `row`: dictionary values through `idx` (present values only), nulls where
 * `defined` is 0. Returns the first out-of-range index, or -1.
 */
function gather(
  out: Target,
  row: number,
  count: number,
  dict: Target,
  size: number,
  idx: Int32Array,
  defined: Int32Array | undefined,
  bitmap: Uint8Array | undefined,
  /** Doubles only: rows per dictionary entry, counted as they are gathered (see valueCountsOf). */
  counts?: Uint32Array,
): number {
  if (out.words === 'f64' && dict.words === 'f64') {
    const tally = counts ?? discardedCounts(size);
    return defined
      ? gatherF64Nulls(out.a, row, count, dict.a, size, idx, defined, bitmap!, tally)
      : gatherF64(out.a, row, count, dict.a, size, idx, tally);
  }
  if (out.words === 2 && dict.words === 2) {
    return defined
      ? gatherW2Nulls(out.a, row, count, dict.a, size, idx, defined, bitmap!)
      : gatherW2(out.a, row, count, dict.a, size, idx);
  }
  if (out.words === 1 && dict.words === 1) {
    return defined
      ? gatherW1Nulls(out.a, row, count, dict.a, size, idx, defined, bitmap!, out.nullValue)
      : gatherW1(out.a, row, count, dict.a, size, idx);
  }
  throw new Error('mismatched dictionary');
}

function gatherF64(
  out: Float64Array,
  row: number,
  n: number,
  dict: Float64Array,
  size: number,
  idx: Int32Array,
  counts: Uint32Array,
): number {
  for (let i = 0; i < n; i++) {
    const k = idx[i]!;
    if (k >>> 0 >= size) return k;
    out[row + i] = dict[k]!;
    counts[k]!++;
  }
  return -1;
}

function gatherF64Nulls(
  out: Float64Array,
  row: number,
  n: number,
  dict: Float64Array,
  size: number,
  idx: Int32Array,
  defined: Int32Array,
  bitmap: Uint8Array,
  counts: Uint32Array,
): number {
  for (let i = 0, j = 0; i < n; i++) {
    if (defined[i] === 0) {
      out[row + i] = NaN;
      bitmap[(row + i) >> 3]! &= ~(1 << ((row + i) & 7));
      continue;
    }
    const k = idx[j++]!;
    if (k >>> 0 >= size) return k;
    out[row + i] = dict[k]!;
    counts[k]!++;
  }
  return -1;
}

function gatherW2(
  out: Int32Array,
  row: number,
  n: number,
  dict: Int32Array,
  size: number,
  idx: Int32Array,
): number {
  for (let i = 0, o = row * 2; i < n; i++, o += 2) {
    const k = idx[i]!;
    if (k >>> 0 >= size) return k;
    out[o] = dict[2 * k]!;
    out[o + 1] = dict[2 * k + 1]!;
  }
  return -1;
}

function gatherW2Nulls(
  out: Int32Array,
  row: number,
  n: number,
  dict: Int32Array,
  size: number,
  idx: Int32Array,
  defined: Int32Array,
  bitmap: Uint8Array,
): number {
  for (let i = 0, j = 0, o = row * 2; i < n; i++, o += 2) {
    if (defined[i] === 0) {
      out[o] = 0;
      out[o + 1] = 0;
      bitmap[(row + i) >> 3]! &= ~(1 << ((row + i) & 7));
      continue;
    }
    const k = idx[j++]!;
    if (k >>> 0 >= size) return k;
    out[o] = dict[2 * k]!;
    out[o + 1] = dict[2 * k + 1]!;
  }
  return -1;
}

function gatherW1(
  out: Int32Array,
  row: number,
  n: number,
  dict: Int32Array,
  size: number,
  idx: Int32Array,
): number {
  for (let i = 0; i < n; i++) {
    const k = idx[i]!;
    if (k >>> 0 >= size) return k;
    out[row + i] = dict[k]!;
  }
  return -1;
}

function gatherW1Nulls(
  out: Int32Array,
  row: number,
  n: number,
  dict: Int32Array,
  size: number,
  idx: Int32Array,
  defined: Int32Array,
  bitmap: Uint8Array,
  nullValue: number,
): number {
  for (let i = 0, j = 0; i < n; i++) {
    if (defined[i] === 0) {
      out[row + i] = nullValue;
      bitmap[(row + i) >> 3]! &= ~(1 << ((row + i) & 7));
      continue;
    }
    const k = idx[j++]!;
    if (k >>> 0 >= size) return k;
    out[row + i] = dict[k]!;
  }
  return -1;
}

/** Spreads densely stored present `values` over `count` rows from `row`, nulls where `defined` is 0. */
function spread(
  out: Target,
  row: number,
  count: number,
  values: Target,
  defined: Int32Array,
  bitmap: Uint8Array,
): void {
  const identity = indexes(count);
  for (let i = 0; i < count; i++) identity[i] = i;
  // A spread is a gather through the identity; `size` is never exceeded.
  gather(out, row, count, values, count, identity, defined, bitmap);
}

/** Where a gather that no one reads the counts of (a spread of PLAIN values) counts them. */
let countScratch = new Uint32Array(0);
function discardedCounts(size: number): Uint32Array {
  if (countScratch.length < size) countScratch = new Uint32Array(size);
  return countScratch;
}

function countZeros(levels: Int32Array, n: number): number {
  let zeros = 0;
  for (let i = 0; i < n; i++) zeros += levels[i] === 0 ? 1 : 0;
  return zeros;
}

function vectorOf(
  kind: FastKind,
  words: Int32Array,
  length: number,
  nullCount: number,
  nullBitmap: Uint8Array | undefined,
): arrow.Vector {
  const buffer = words.buffer;
  switch (kind) {
    case 'float64':
      return arrow.makeVector(
        arrow.makeData({
          type: new arrow.Float64(),
          length,
          nullCount,
          nullBitmap,
          data: new Float64Array(buffer),
        }),
      );
    case 'float32':
      return arrow.makeVector(
        arrow.makeData({
          type: new arrow.Float32(),
          length,
          nullCount,
          nullBitmap,
          data: new Float32Array(buffer),
        }),
      );
    case 'int32':
      return arrow.makeVector(
        arrow.makeData({ type: new arrow.Int32(), length, nullCount, nullBitmap, data: words }),
      );
    case 'int64':
    case 'timestamp_ms': {
      const type = kind === 'int64' ? new arrow.Int64() : new arrow.TimestampMillisecond('UTC');
      const data = new BigInt64Array(buffer);
      return arrow.makeVector(
        arrow.makeData({ type, length, nullCount, nullBitmap, data } as never) as arrow.Data,
      );
    }
  }
}

/** `count` little-endian 32-bit words from `bytes` at `offset`, in a new (aligned) array. */
function copyWords(bytes: Uint8Array, offset: number, count: number): Int32Array {
  const words = new Int32Array(count);
  new Uint8Array(words.buffer).set(bytes.subarray(offset, offset + count * 4));
  return words;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
}

/**
 * Parquet's RLE / bit-packed hybrid: `count` values of `width` bits from bytes[pos, end) into `out`. Used for
 * definition levels (width 1) and dictionary indexes.
 */
export function decodeHybrid(
  bytes: Uint8Array,
  pos: number,
  end: number,
  width: number,
  out: Int32Array,
  count: number,
): void {
  const byteWidth = (width + 7) >> 3;
  let seen = 0;
  while (seen < count) {
    if (pos >= end) throw new Error('RLE/bit-packed run data ends early');
    let header = 0;
    let shift = 0;
    let b: number;
    do {
      if (pos >= end || shift > 28) throw new Error('bad RLE/bit-packed run header');
      b = bytes[pos++]!;
      header += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    if (header % 2 === 1) {
      const groups = Math.floor(header / 2);
      const n = Math.min(groups * 8, count - seen);
      const runBytes = groups * width;
      // Some writers end the last run early; only the bytes of values actually wanted must be there.
      if (pos + Math.ceil((n * width) / 8) > end) throw new Error('bit-packed run runs past its data');
      unpack(bytes, pos, Math.min(end, pos + runBytes), width, out, seen, n);
      pos += runBytes;
      seen += n;
    } else {
      const run = header / 2;
      if (pos + byteWidth > end) throw new Error('RLE run runs past its data');
      let value = 0;
      for (let j = 0; j < byteWidth; j++) value += bytes[pos++]! * 2 ** (8 * j);
      if (width < 32 && value >= 2 ** width) throw new Error(`RLE value ${value} wider than ${width} bits`);
      const n = Math.min(run, count - seen);
      out.fill(value | 0, seen, seen + n);
      seen += n;
    }
  }
}

function unpack(
  bytes: Uint8Array,
  pos: number,
  end: number,
  width: number,
  out: Int32Array,
  at: number,
  n: number,
): void {
  if (width === 0) {
    out.fill(0, at, at + n);
    return;
  }
  if (width === 1) {
    for (let i = 0; i < n; i++) out[at + i] = (bytes[pos + (i >> 3)]! >> (i & 7)) & 1;
    return;
  }
  if (width <= 25) {
    const mask = (1 << width) - 1;
    // A 32-bit window starting at the value's first byte holds all of it (shift <= 7, width <= 25).
    const safe = end - 3; // windows starting before this lie wholly inside the buffer
    let bit = 0;
    for (let i = 0; i < n; i++, bit += width) {
      const p = pos + (bit >>> 3);
      const shift = bit & 7;
      let window: number;
      if (p < safe) window = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16) | (bytes[p + 3]! << 24);
      else {
        window = 0;
        for (let j = 0; j < 4 && p + j < end; j++) window |= bytes[p + j]! << (8 * j);
      }
      out[at + i] = (window >>> shift) & mask;
    }
    return;
  }
  // Wider than 25 bits (dictionaries of tens of millions of values): bit by bit, in floating point.
  let bit = 0;
  for (let i = 0; i < n; i++) {
    let value = 0;
    for (let j = 0; j < width; j++, bit++) {
      const p = pos + (bit >>> 3);
      if (p < end && (bytes[p]! >> (bit & 7)) & 1) value += 2 ** j;
    }
    out[at + i] = value | 0;
  }
}
