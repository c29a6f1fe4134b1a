import { crc32 } from 'node:zlib';
import type { ColumnChunk } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { CorruptParquetError } from '../domain/errors.js';

/** Byte range of one column chunk in the file. */
export interface ChunkRange {
  column: string;
  start: number;
  end: number;
}

export function chunkRanges(columns: readonly ColumnChunk[]): ChunkRange[] {
  return columns.flatMap((chunk) => {
    const meta = chunk.meta_data;
    if (!meta) return [];
    const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
    return [
      { column: meta.path_in_schema.join('.'), start, end: start + Number(meta.total_compressed_size) },
    ];
  });
}

/**
 * Checks every page CRC a writer recorded (PageHeader.crc: CRC-32 of the compressed page). No JS Parquet
 * reader does this, and a page with flipped bits can otherwise decode into wrong numbers without any error.
 */
export function verifyPageChecksums(chunk: Uint8Array, range: ChunkRange, where: string): void {
  const reader = { view: new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength), offset: 0 };
  let page = 0;
  while (reader.offset < chunk.length) {
    let header: ReturnType<typeof parquetHeader>;
    try {
      header = parquetHeader(reader);
    } catch (error) {
      throw new CorruptParquetError(
        `${where}, column "${range.column}": page ${page} header is unreadable: ${String(error)}`,
        {
          cause: error,
        },
      );
    }
    const size = header.compressed_page_size;
    if (size < 0 || reader.offset + size > chunk.length) {
      throw new CorruptParquetError(
        `${where}, column "${range.column}": page ${page} runs past its column chunk`,
      );
    }
    if (header.crc !== undefined && header.crc !== null) {
      const actual = crc32(chunk.subarray(reader.offset, reader.offset + size)) | 0;
      if (actual !== header.crc) {
        throw new CorruptParquetError(
          `${where}, column "${range.column}": page ${page} fails its CRC-32 checksum (stored ${header.crc >>> 0}, computed ${actual >>> 0})`,
        );
      }
    }
    reader.offset += size;
    page++;
  }
}
