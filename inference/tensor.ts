import * as arrow from 'apache-arrow';
import { isValid, validityOf } from '../parquet/arrow-columns.js';

/**
 * Copies feature vectors into a row-major float32 matrix [rows, features]. Nulls and NaN become NaN, which
 * tree ensembles (ONNX TreeEnsemble, like LightGBM, XGBoost and scikit-learn's HistGradientBoosting) treat
 * as missing. `out` is reused between batches when large enough.
 */
export function buildFeatureMatrix(
  vectors: readonly arrow.Vector[],
  rows: number,
  out?: Float32Array,
): Float32Array {
  const width = vectors.length;
  const matrix =
    out && out.length >= rows * width ? out.subarray(0, rows * width) : new Float32Array(rows * width);
  const floats = vectors.map((v) => (v.data.length === 1 ? floatValues(v) : undefined));
  // Row blocks: the block's part of the matrix stays in cache while each column is copied into it, rather
  // than every column striding over the whole matrix.
  for (let start = 0; start < rows; start += BLOCK_ROWS) {
    const end = Math.min(rows, start + BLOCK_ROWS);
    vectors.forEach((vector, j) => {
      const values = floats[j];
      if (values instanceof Float64Array) copyFloat64(values, start, end, matrix, j, width);
      else if (values instanceof Float32Array) copyFloat32(values, start, end, matrix, j, width);
      else if (start === 0) copyColumn(vector, rows, matrix, j, width);
    });
  }
  return matrix;
}

const BLOCK_ROWS = 1024;

/** A float vector's single chunk of values; its null slots already hold NaN (see toArrowVector). */
function floatValues(vector: arrow.Vector): Float64Array | Float32Array | undefined {
  const values: unknown = vector.data[0]?.values;
  if (!(vector.type instanceof arrow.Float)) return undefined;
  return values instanceof Float64Array || values instanceof Float32Array ? values : undefined;
}

function copyFloat64(
  src: Float64Array,
  start: number,
  end: number,
  out: Float32Array,
  j: number,
  width: number,
) {
  for (let i = start, k = start * width + j; i < end; i++, k += width) out[k] = src[i]!;
}

function copyFloat32(
  src: Float32Array,
  start: number,
  end: number,
  out: Float32Array,
  j: number,
  width: number,
) {
  for (let i = start, k = start * width + j; i < end; i++, k += width) out[k] = src[i]!;
}

/** One float32 column [rows] per feature, for models with one input per column. */
export function buildFeatureColumns(vectors: readonly arrow.Vector[], rows: number): Float32Array[] {
  return vectors.map((vector) => {
    const column = new Float32Array(rows);
    copyColumn(vector, rows, column, 0, 1);
    return column;
  });
}

function copyColumn(
  vector: arrow.Vector,
  rows: number,
  out: Float32Array,
  offset: number,
  stride: number,
): void {
  const values: unknown = vector.data[0]?.values;
  const validity = validityOf(vector);
  if (
    vector.type instanceof arrow.Float &&
    (values instanceof Float64Array || values instanceof Float32Array)
  ) {
    // Null slots already hold NaN (see toArrowVector).
    for (let i = 0, k = offset; i < rows; i++, k += stride) out[k] = values[i]!;
  } else if (values instanceof Int32Array) {
    for (let i = 0, k = offset; i < rows; i++, k += stride) out[k] = isValid(validity, i) ? values[i]! : NaN;
  } else if (values instanceof BigInt64Array) {
    for (let i = 0, k = offset; i < rows; i++, k += stride)
      out[k] = isValid(validity, i) ? Number(values[i]!) : NaN;
  } else {
    for (let i = 0, k = offset; i < rows; i++, k += stride) {
      const v: unknown = vector.get(i);
      out[k] = v === null || v === undefined ? NaN : Number(v);
    }
  }
}

/**
 * A numeric vector as float64 with NaN in null slots, for statistics. Float64 vectors are returned without
 * copying (their null slots already hold NaN).
 */
export function toFloat64(vector: arrow.Vector, rows: number): Float64Array {
  const values: unknown = vector.data[0]?.values;
  if (vector.data.length === 1 && values instanceof Float64Array) return values.subarray(0, rows);
  const out = new Float64Array(rows);
  copyColumnF64(vector, rows, out);
  return out;
}

function copyColumnF64(vector: arrow.Vector, rows: number, out: Float64Array): void {
  const values: unknown = vector.data[0]?.values;
  const validity = validityOf(vector);
  if (values instanceof Float32Array) for (let i = 0; i < rows; i++) out[i] = values[i]!;
  else if (values instanceof Int32Array)
    for (let i = 0; i < rows; i++) out[i] = isValid(validity, i) ? values[i]! : NaN;
  else if (values instanceof BigInt64Array) {
    for (let i = 0; i < rows; i++) out[i] = isValid(validity, i) ? Number(values[i]!) : NaN;
  } else {
    for (let i = 0; i < rows; i++) {
      const v: unknown = vector.get(i);
      out[i] = v === null || v === undefined ? NaN : Number(v);
    }
  }
}
