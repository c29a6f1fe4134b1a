import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATASETS = path.join(ROOT, 'datasets');
export const AI4I_PARQUET = path.join(DATASETS, 'ai4i2020', 'parquet');
export const AI4I_MODEL = path.join(DATASETS, 'ai4i2020', 'model');
export const CORPUS = path.join(ROOT, '..', 'shared', 'datasets', 'parquet-testing');
export const AI4I_FEATURES = [
  'Air temperature [K]',
  'Process temperature [K]',
  'Rotational speed [rpm]',
  'Torque [Nm]',
  'Tool wear [min]',
];

/** A fresh folder under the OS temp dir (or TEST_OUTPUT_DIR), for one test's outputs. */
export function tempDir(prefix: string): string {
  const base = process.env.TEST_OUTPUT_DIR ?? os.tmpdir();
  return mkdtempSync(path.join(base, `batch-score-${prefix}-`));
}
