import type * as arrow from 'apache-arrow';
import type { DecodedArray, SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { ObjectSink } from '../storage/index.js';
import { writeFastRowGroup } from './fast-writer.js';
import type { ColumnKind } from './schema.js';

export interface OutputColumn {
  name: string;
  kind: Exclude<ColumnKind, 'unsupported'>;
}

export type OutputValues = arrow.Vector | Float64Array | Float32Array | BigInt64Array | Int32Array | string[];

/** Flush to storage once this many bytes are buffered, so a part never sits whole in memory. */
const FLUSH_BYTES = 4 * 1024 * 1024;

/**
 * Streams row groups into an ObjectSink: one Parquet row group per `write()`, bytes handed to storage as
 * they are encoded, the file published only by `commit()`.
 */
export class PartWriter {
  private readonly bytes = new ByteWriter(FLUSH_BYTES * 2);
  private readonly writer: ParquetWriter;
  private readonly schema: SchemaElement[];
  private pending: Promise<void> = Promise.resolve();
  rows = 0;

  constructor(
    private readonly sink: ObjectSink,
    private readonly columns: readonly OutputColumn[],
    metadata: Record<string, string> = {},
  ) {
    const bytes = this.bytes as ByteWriter & { flush?: () => Promise<void>; index: number };
    // hyparquet-writer calls flush() after each row group; keep the offset (file position) and drop the bytes.
    bytes.flush = () => this.drain();
    this.schema = schemaFor(columns);
    this.writer = new ParquetWriter({
      writer: this.bytes,
      schema: this.schema,
      kvMetadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      createdBy: 'batch-score',
    });
  }

  get uri(): string {
    return this.sink.uri;
  }

  async write(rows: number, values: ReadonlyMap<string, OutputValues>): Promise<void> {
    if (rows === 0) return;
    const start = this.bytes.offset;
    const chunks = writeFastRowGroup(this.bytes, this.schema, this.columns, values, rows);
    if (chunks) {
      // Bookkept as hyparquet-writer does for its own row groups, so finish() writes one footer for all.
      this.writer.row_groups.push({
        columns: chunks,
        total_byte_size: chunks.reduce((n, c) => n + c.meta_data!.total_uncompressed_size, 0n),
        num_rows: BigInt(rows),
        total_compressed_size: BigInt(this.bytes.offset - start),
      });
      this.writer.num_rows += BigInt(rows);
      this.rows += rows;
      await this.drain();
      return;
    }
    const columnData = this.columns.map((column) => {
      const data = values.get(column.name);
      if (!data) throw new Error(`part ${this.sink.uri}: no values for column ${column.name}`);
      return { name: column.name, data: toDecoded(data) };
    });
    await this.writer.write({ columnData, rowGroupSize: rows });
    this.rows += rows;
  }

  async commit(): Promise<void> {
    await this.writer.finish();
    await this.drain();
    await this.pending;
    await this.sink.commit();
  }

  async abort(): Promise<void> {
    await this.pending.catch(() => undefined);
    await this.sink.abort();
  }

  private drain(): Promise<void> {
    const bytes = this.bytes as ByteWriter & { index: number };
    if (bytes.index === 0) return this.pending;
    const chunk = new Uint8Array(bytes.buffer.slice(0, bytes.index));
    bytes.index = 0;
    this.pending = this.pending.then(() => this.sink.write(chunk));
    return this.pending;
  }
}

function toDecoded(values: OutputValues): DecodedArray {
  if (Array.isArray(values) || ArrayBuffer.isView(values)) return values as DecodedArray;
  const data = values.data[0];
  // A single chunk without nulls of a fixed-width type is its typed array; anything else goes value by value.
  const typed = data?.values as unknown;
  if (values.data.length === 1 && data && data.nullCount === 0 && isNumericTypedArray(typed)) return typed;
  return Array.from({ length: values.length }, (_, i) => values.get(i) as unknown);
}

function isNumericTypedArray(v: unknown): v is Float64Array | Float32Array | Int32Array | BigInt64Array {
  return (
    v instanceof Float64Array ||
    v instanceof Float32Array ||
    v instanceof Int32Array ||
    v instanceof BigInt64Array
  );
}

function schemaFor(columns: readonly OutputColumn[]): SchemaElement[] {
  return [
    { name: 'schema', num_children: columns.length },
    ...columns.map((c): SchemaElement => ({ name: c.name, repetition_type: 'OPTIONAL', ...typeOf(c.kind) })),
  ];
}

function typeOf(kind: OutputColumn['kind']): Omit<SchemaElement, 'name'> {
  switch (kind) {
    case 'float64':
      return { type: 'DOUBLE' };
    case 'float32':
      return { type: 'FLOAT' };
    case 'int32':
      return { type: 'INT32' };
    case 'int64':
      return { type: 'INT64' };
    case 'timestamp_ms':
      return {
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      };
    case 'boolean':
      return { type: 'BOOLEAN' };
    case 'string':
      return { type: 'BYTE_ARRAY', converted_type: 'UTF8' };
  }
}
