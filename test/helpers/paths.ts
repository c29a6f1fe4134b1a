import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DATASETS = path.join(ROOT, 'datasets');
export const AI4I_PARQUET = path.join(DATASETS, 'ai4i2020', 'parquet');
export const AI4I_MODEL = path.join(DATASETS, 'ai4i2020', 'model');
/**
 * The read-only public datasets beside the checkout (`../shared/datasets`: AI4I 2020, C-MAPSS, the Apache
 * Parquet test corpus), or wherever BATCH_SCORE_SHARED_DATASETS points.
 */
export const SHARED_DATASETS =
  process.env.BATCH_SCORE_SHARED_DATASETS ?? path.join(ROOT, '..', 'shared', 'datasets');

/** A path inside the shared datasets; says where they were looked for when they are not there. */
export function sharedDataset(...parts: string[]): string {
  if (!existsSync(SHARED_DATASETS)) {
    throw new Error(
      `this test reads the shared public datasets, which are not at ${SHARED_DATASETS}: ` +
        'clone the repository beside ../shared, or set BATCH_SCORE_SHARED_DATASETS',
    );
  }
  return path.join(SHARED_DATASETS, ...parts);
}

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
