import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, from source (vitest) or from dist/ alike. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the batch-score package root');
    dir = parent;
  }
  return dir;
}

/** Where the embedded dev server keeps its SQLite database: a project data folder, ignored by git. */
export function dataDir(): string {
  return process.env.BATCH_SCORE_DATA_DIR ?? path.join(projectRoot(), '.data');
}
