import type * as arrow from 'apache-arrow';
import {
  parquetMetadataAsync,
  parquetRead,
  type AsyncBuffer,
  type ColumnMetaData,
  type FileMetaData,
  type SchemaElement,
} from 'hyparquet';
import { CorruptParquetError, messageOf, NotParquetError, SchemaMismatchError } from '../domain/errors.js';
import type { RangeReader, Storage } from '../storage/index.js';
import { toArrowVector } from './arrow-columns.js';
import { codecsReady, compressors } from './codecs.js';
import { columnBuffers, decodeColumnChunk, FallBack, fastKindOf, type FastKind } from './column-chunk.js';
import { chunkRanges, verifyPageChecksums, type ChunkRange } from './page-checksums.js';
import { describeColumns, topLevelElements, type ColumnInfo } from './schema.js';

/** One row group's requested columns, as Arrow vectors of equal length. */
export interface ColumnBatch {
  rows: number;
  columns: Map<string, arrow.Vector>;
}

/**
 * Hands a batch's column buffers back for reuse by later reads. Only for a caller that is completely done
 * with the batch: its vectors must not be read afterwards (their memory will hold another row group).
 */
export function releaseBatch(batch: ColumnBatch): void {
  releaseColumns(batch, [...batch.columns.keys()]);
}

/** releaseBatch for some columns only: they leave the batch, and their buffers serve later reads. */
export function releaseColumns(batch: ColumnBatch, names: Iterable<string>): void {
  for (const name of names) {
    const vector = batch.columns.get(name);
    if (!vector) continue;
    batch.columns.delete(name);
    for (const data of vector.data) columnBuffers.give((data.values as ArrayBufferView).buffer);
  }
}

export interface ReadOptions {
  /** Decode every column with hyparquet, even those the fast path handles (tests compare the two). */
  hyparquetOnly?: boolean;
}

const MAGIC = 'PAR1';
/**
 * Adjacent column chunks are fetched in one range read; chunks with anything between them are fetched apart
 * (concurrently), so a shard never downloads bytes of columns it did not ask for (test/storage counts them).
 */
const COALESCE_GAP = 0;

// Timestamps stay numbers (epoch milliseconds): a Date object per row would be a JS object per row.
const parsers = {
  timestampFromMilliseconds: (ms: bigint) => Number(ms),
  timestampFromMicroseconds: (us: bigint) => Number(us / 1000n),
  timestampFromNanoseconds: (ns: bigint) => Number(ns / 1_000_000n),
};

/**
 * A Parquet file opened for row-group reads. Only the footer is read on open; each row group read fetches
 * just that row group's column chunks through the storage's range reads.
 */
export class ParquetFile {
  /** Bytes fetched from storage so far (footer included). */
  bytesRead = 0;
  /** Column chunks decoded so far by the fast path and by hyparquet. */
  readonly chunksDecoded = { fast: 0, hyparquet: 0 };
  /** Column chunks of the row group being read whose page checksums are still to verify. */
  private unverified: ChunkRange[] = [];
  private verifyContext = '';
  private readonly elements: Map<string, SchemaElement>;

  private constructor(
    readonly uri: string,
    private readonly reader: RangeReader,
    private readonly buffer: AsyncBuffer,
    readonly metadata: FileMetaData,
    readonly columns: ColumnInfo[],
    readonly rowGroupRows: number[],
  ) {
    this.elements = topLevelElements(metadata.schema);
  }

  static async open(storage: Storage, uri: string): Promise<ParquetFile> {
    await codecsReady();
    const reader = await storage.openRead(uri);
    try {
      // Until the file object exists (footer reads), fetched bytes are only counted.
      let early = 0;
      const observers: Array<(bytes: Uint8Array, start: number) => void> = [];
      const buffer: AsyncBuffer = {
        byteLength: reader.size,
        slice: async (start, end) => {
          const bytes = await reader.read(start, end ?? reader.size);
          if (observers[0]) observers[0](bytes, start);
          else early += bytes.length;
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        },
      };
      await checkMagic(reader, uri);
      early += 8;
      let metadata: FileMetaData;
      try {
        metadata = await parquetMetadataAsync(buffer, { parsers });
      } catch (error) {
        throw new NotParquetError(`${uri}: cannot decode the Parquet footer: ${messageOf(error)}`, {
          cause: error,
        });
      }
      const rowGroupRows = metadata.row_groups.map((g) => Number(g.num_rows));
      const file = new ParquetFile(
        uri,
        reader,
        buffer,
        metadata,
        describeColumns(metadata.schema),
        rowGroupRows,
      );
      file.bytesRead = early;
      observers.push((bytes, start) => {
        file.bytesRead += bytes.length;
        file.verifyChunksIn(bytes, start);
      });
      return file;
    } catch (error) {
      await reader.close();
      throw error;
    }
  }

  get rows(): number {
    return this.rowGroupRows.reduce((a, b) => a + b, 0);
  }

  column(name: string): ColumnInfo | undefined {
    return this.columns.find((c) => c.name === name);
  }

  /** Verifies each pending column chunk wholly inside a fetched range, as the bytes arrive. */
  private verifyChunksIn(bytes: Uint8Array, start: number): void {
    if (this.unverified.length === 0) return;
    const end = start + bytes.length;
    this.unverified = this.unverified.filter((chunk) => {
      if (chunk.start < start || chunk.end > end) return true;
      verifyPageChecksums(bytes.subarray(chunk.start - start, chunk.end - start), chunk, this.verifyContext);
      return false;
    });
  }

  /**
   * Reads `columnNames` of row group `index`. Flat numeric columns take the fast path (column-chunk.ts),
   * the rest hyparquet. Decode failures become CorruptParquetError naming file, row group and column.
   */
  async readRowGroup(
    index: number,
    columnNames: readonly string[],
    options: ReadOptions = {},
  ): Promise<ColumnBatch> {
    const rows = this.rowGroupRows[index];
    if (rows === undefined) throw new RangeError(`${this.uri}: no row group ${index}`);
    const infos = columnNames.map((name) => {
      const info = this.column(name);
      if (!info) throw new SchemaMismatchError(`${this.uri}: no column "${name}"`);
      return info;
    });
    const where = `${this.uri}: row group ${index}`;
    const fast: FastColumn[] = [];
    const slow: ColumnInfo[] = [];
    for (const info of infos) {
      const column = options.hyparquetOnly ? undefined : this.fastColumn(index, info);
      if (column) fast.push(column);
      else slow.push(info);
    }
    const columns = new Map<string, arrow.Vector>();
    for (const column of await this.readFast(fast, rows, where)) {
      if (column.vector) columns.set(column.info.name, column.vector);
      else slow.push(column.info);
    }
    if (slow.length > 0) {
      for (const [name, vector] of await this.readWithHyparquet(index, rows, slow)) columns.set(name, vector);
    }
    // In the order asked for, as callers (and tests) iterate the map.
    return { rows, columns: new Map(infos.map((info) => [info.name, columns.get(info.name)!])) };
  }

  private fastColumn(index: number, info: ColumnInfo): FastColumn | undefined {
    const element = this.elements.get(info.name);
    const chunk = this.metadata.row_groups[index]!.columns.find(
      (c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === info.name,
    );
    const meta = chunk?.meta_data;
    if (!element || !meta || chunk.file_path) return undefined;
    const kind = fastKindOf(element, info.kind, meta);
    if (!kind) return undefined;
    const [range] = chunkRanges([chunk]);
    return { info, meta, kind, range: range!, optional: element.repetition_type !== 'REQUIRED' };
  }

  /** Fetches the chunks (adjacent ones in one read), verifies their page checksums and decodes them. */
  private async readFast(columns: FastColumn[], rows: number, where: string): Promise<FastColumn[]> {
    if (columns.length === 0) return columns;
    const byStart = [...columns].sort((a, b) => a.range.start - b.range.start);
    const spans: { start: number; end: number; columns: FastColumn[] }[] = [];
    for (const column of byStart) {
      const last = spans[spans.length - 1];
      if (last && column.range.start - last.end <= COALESCE_GAP && column.range.start >= last.start) {
        last.end = Math.max(last.end, column.range.end);
        last.columns.push(column);
      } else spans.push({ start: column.range.start, end: column.range.end, columns: [column] });
    }
    if (spans.some((s) => s.start < 0 || s.end > this.reader.size || s.start > s.end)) {
      throw new CorruptParquetError(
        `${where}: column chunks lie outside the file (${this.reader.size} bytes)`,
      );
    }
    const fetched = await Promise.all(spans.map((span) => this.reader.read(span.start, span.end)));
    spans.forEach((span, i) => {
      const bytes = fetched[i]!;
      this.bytesRead += bytes.length;
      for (const column of span.columns) {
        const chunk = bytes.subarray(column.range.start - span.start, column.range.end - span.start);
        verifyPageChecksums(chunk, column.range, where);
        try {
          column.vector = decodeColumnChunk(chunk, column.meta, column.kind, column.optional, rows);
          this.chunksDecoded.fast++;
        } catch (error) {
          if (error instanceof FallBack) continue;
          throw new CorruptParquetError(
            `${where}, column "${column.info.name}": cannot decode: ${messageOf(error)}`,
            { cause: error },
          );
        }
      }
    });
    return columns;
  }

  private async readWithHyparquet(
    index: number,
    rows: number,
    infos: ColumnInfo[],
  ): Promise<Map<string, arrow.Vector>> {
    const columnNames = infos.map((i) => i.name);
    const rowStart = this.rowGroupRows.slice(0, index).reduce((a, b) => a + b, 0);
    const decoded = new Map<string, ArrayLike<unknown>>();
    let current = '(unknown column)';
    const wanted = new Set(columnNames);
    this.unverified = chunkRanges(this.metadata.row_groups[index]!.columns).filter((c) =>
      wanted.has(c.column),
    );
    this.verifyContext = `${this.uri}: row group ${index}`;
    try {
      await parquetRead({
        file: this.buffer,
        metadata: this.metadata,
        columns: [...columnNames],
        rowStart,
        rowEnd: rowStart + rows,
        compressors,
        parsers,
        onChunk: (chunk) => {
          current = chunk.columnName;
          // Chunks may cover more than the requested rows; keep just this row group's.
          const offset = rowStart - chunk.rowStart;
          const data = chunk.columnData;
          decoded.set(
            chunk.columnName,
            offset === 0 && data.length === rows ? data : sliceArrayLike(data, offset, offset + rows),
          );
        },
      });
    } catch (error) {
      if (error instanceof CorruptParquetError) throw error;
      const column = decoded.size < columnNames.length ? firstMissing(columnNames, decoded) : current;
      throw new CorruptParquetError(
        `${this.uri}: row group ${index}, column "${column}": cannot decode: ${messageOf(error)}`,
        { cause: error },
      );
    }
    const columns = new Map<string, arrow.Vector>();
    for (const info of infos) {
      const values = decoded.get(info.name);
      if (!values || values.length !== rows) {
        throw new CorruptParquetError(
          `${this.uri}: row group ${index}, column "${info.name}": decoded ${values?.length ?? 0} values, footer says ${rows}`,
        );
      }
      columns.set(info.name, toArrowVector(info.kind, values, `${this.uri}: "${info.name}"`));
    }
    this.chunksDecoded.hyparquet += infos.length;
    return columns;
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

async function checkMagic(reader: RangeReader, uri: string): Promise<void> {
  if (reader.size < 12)
    throw new NotParquetError(`${uri} is not a Parquet file (${reader.size} bytes, too small)`);
  const decoder = new TextDecoder();
  const head = decoder.decode(await reader.read(0, 4));
  const tail = decoder.decode(await reader.read(reader.size - 4, reader.size));
  if (head !== MAGIC) throw new NotParquetError(`${uri} is not a Parquet file (no PAR1 magic at the start)`);
  if (tail !== MAGIC) {
    throw new CorruptParquetError(
      `${uri} is truncated or damaged: it starts as Parquet but has no footer (no PAR1 magic at the end)`,
    );
  }
}

interface FastColumn {
  info: ColumnInfo;
  meta: ColumnMetaData;
  kind: FastKind;
  range: ChunkRange;
  optional: boolean;
  /** Set once decoded; left unset when the chunk fell back to hyparquet. */
  vector?: arrow.Vector;
}

function sliceArrayLike(data: ArrayLike<unknown>, start: number, end: number): ArrayLike<unknown> {
  if (Array.isArray(data)) return (data as unknown[]).slice(start, end);
  const typed = data as unknown as { subarray?: (s: number, e: number) => ArrayLike<unknown> };
  return typed.subarray ? typed.subarray(start, end) : Array.prototype.slice.call(data, start, end);
}

function firstMissing(names: readonly string[], decoded: Map<string, unknown>): string {
  return names.find((n) => !decoded.has(n)) ?? '(unknown column)';
}
