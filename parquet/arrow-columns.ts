import * as arrow from 'apache-arrow';
import type { ColumnKind } from './schema.js';

/**
 * Decoded Parquet values (typed arrays, or plain arrays holding nulls) to Arrow vectors. Null slots of
 * float vectors also hold NaN, so a tensor builder can copy values without looking at the validity bitmap.
 */
export function toArrowVector(kind: ColumnKind, values: ArrayLike<unknown>, column: string): arrow.Vector {
  const length = values.length;
  switch (kind) {
    case 'float64':
    case 'float32': {
      const data = kind === 'float64' ? new Float64Array(length) : new Float32Array(length);
      const { bitmap, nullCount } = fillNumbers(values, data, NaN, (v) => v as number);
      const type = kind === 'float64' ? new arrow.Float64() : new arrow.Float32();
      return arrow.makeVector(
        arrow.makeData({ type, length, nullCount, nullBitmap: bitmap, data }) as arrow.Data,
      );
    }
    case 'int32': {
      const data = new Int32Array(length);
      const { bitmap, nullCount } = fillNumbers(values, data, 0, (v) => v as number);
      return arrow.makeVector(
        arrow.makeData({ type: new arrow.Int32(), length, nullCount, nullBitmap: bitmap, data }),
      );
    }
    case 'int64':
    case 'timestamp_ms': {
      const data = new BigInt64Array(length);
      const { bitmap, nullCount } = fillNumbers(values, data, 0n, (v) =>
        typeof v === 'bigint' ? v : BigInt(v as number),
      );
      const type = kind === 'int64' ? new arrow.Int64() : new arrow.TimestampMillisecond('UTC');
      return arrow.makeVector(
        arrow.makeData({ type, length, nullCount, nullBitmap: bitmap, data } as never) as arrow.Data,
      );
    }
    case 'boolean':
      return arrow.vectorFromArray(Array.from(values as ArrayLike<boolean | null>), new arrow.Bool());
    case 'string':
      return arrow.vectorFromArray(Array.from(values as ArrayLike<string | null>), new arrow.Utf8());
    default:
      throw new Error(`column ${column}: cannot hold this Parquet type in memory`);
  }
}

type Filled<T> = { [index: number]: T; length: number };

function fillNumbers<T>(
  values: ArrayLike<unknown>,
  out: Filled<T>,
  nullValue: T,
  convert: (v: unknown) => T,
): { bitmap: Uint8Array | undefined; nullCount: number } {
  let nullCount = 0;
  let bitmap: Uint8Array | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      if (!bitmap) bitmap = allValid(values.length);
      bitmap[i >> 3]! &= ~(1 << (i & 7));
      nullCount++;
      out[i] = nullValue;
    } else out[i] = convert(v);
  }
  return { bitmap, nullCount };
}

function allValid(length: number): Uint8Array {
  return new Uint8Array((length + 7) >> 3).fill(0xff);
}

/** Row-level validity of a vector's single chunk, or undefined when every row is valid. */
export function validityOf(vector: arrow.Vector): Uint8Array | undefined {
  const data = vector.data[0];
  return data && data.nullCount > 0 ? data.nullBitmap : undefined;
}

export function isValid(bitmap: Uint8Array | undefined, i: number): boolean {
  return !bitmap || (bitmap[i >> 3]! & (1 << (i & 7))) !== 0;
}
