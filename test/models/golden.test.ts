import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATASETS } from '../helpers/paths.js';
import { readNumericColumns, scoreAllRows } from '../helpers/golden.js';

/**
 * Every committed model scored with onnxruntime-node against the training framework's own predictions
 * (expected.parquet, written by datasets/train_models.py). Labels must match exactly; probabilities and
 * regression values within PROBABILITY_ATOL / REGRESSION_ATOL.
 */
const PROBABILITY_ATOL = 1e-5;
// RUL is in cycles (0..125); float32 tree outputs carry ~1e-5 relative error on values of that size.
const REGRESSION_ATOL = 1e-3;

const MODELS = [
  { folder: 'ai4i2020/model', data: 'ai4i2020/parquet' },
  { folder: 'ai4i2020/model-sklearn-zipmap', data: 'ai4i2020/parquet' },
  { folder: 'ai4i2020/model-lightgbm', data: 'ai4i2020/parquet' },
  { folder: 'ai4i2020/model-xgboost', data: 'ai4i2020/parquet' },
  { folder: 'ai4i2020/model-multiclass', data: 'ai4i2020/parquet' },
  { folder: 'cmapss/model', data: 'cmapss/parquet/test' },
];

describe.each(MODELS)('$folder matches its training framework', ({ folder, data }) => {
  it('on every row of the sample data, missing values included', async () => {
    const modelFolder = path.join(DATASETS, folder);
    const scored = await scoreAllRows(modelFolder, path.join(DATASETS, data));
    const expected = await readNumericColumns(path.join(modelFolder, 'expected.parquet'));
    if (expected.prediction) {
      expect(scored.values.length).toBe(expected.prediction.length);
      const diff = maxAbsDiff(scored.values, expected.prediction);
      expect(diff).toBeLessThanOrEqual(REGRESSION_ATOL);
      return;
    }
    expect(scored.labels.length).toBe(expected.label!.length);
    expect(scored.labels).toEqual(expected.label);
    scored.probabilities.forEach((column, k) => {
      expect(maxAbsDiff(column, expected[`probability_${k}`]!)).toBeLessThanOrEqual(PROBABILITY_ATOL);
    });
  });
});

function maxAbsDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}
