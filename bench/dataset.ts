import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

/** The benchmark dataset: 2M AI4I-like rows, so the default sample model `datasets/ai4i2020/model` applies. */
export const DATASET = {
  kind: 'ai4i',
  rows: 2_000_000,
  files: 4,
  rowGroupRows: 122_880,
  codec: 'snappy',
  seed: 7,
  out: 'bench/data/ai4i-2m',
} as const;

/** Written last, after the generator succeeded: a folder without it (or with other files) is regenerated. */
const MARKER = 'bench-dataset.json';
const GENERATOR = 'datasets/generate_sensor_data.py';

interface Marker {
  args: typeof DATASET;
  generatorSha256: string;
  files: { name: string; bytes: number }[];
}

export interface Dataset {
  dir: string;
  files: string[];
  bytes: number;
  generated: boolean;
}

/** Reuses bench/data/ai4i-2m when its marker matches the wanted arguments and files; otherwise generates it. */
export async function ensureDataset(root: string, log: (line: string) => void): Promise<Dataset> {
  const dir = path.join(root, DATASET.out);
  const generatorSha256 = createHash('sha256')
    .update(await fs.readFile(path.join(root, GENERATOR)))
    .digest('hex');
  const reused = await checkMarker(dir, generatorSha256);
  if (reused)
    return { dir, files: reused.map((f) => path.join(dir, f.name)), bytes: sum(reused), generated: false };

  log(
    `generating ${DATASET.rows.toLocaleString('en-US')} rows into ${DATASET.out} (once; reused afterwards)`,
  );
  await fs.rm(path.join(dir, MARKER), { force: true });
  const python = await pythonWithDependencies(root, log);
  await run(
    python,
    [
      GENERATOR,
      ...['--kind', DATASET.kind, '--rows', String(DATASET.rows), '--files', String(DATASET.files)],
      ...['--row-group-rows', String(DATASET.rowGroupRows), '--codec', DATASET.codec],
      ...['--out', DATASET.out, '--seed', String(DATASET.seed), '--overwrite'],
    ],
    root,
  );
  const names = (await fs.readdir(dir)).filter((n) => /^part-\d+\.parquet$/.test(n)).sort();
  if (names.length !== DATASET.files)
    throw new Error(`${dir}: expected ${DATASET.files} part files, found ${names.length}`);
  const files = await Promise.all(
    names.map(async (name) => ({ name, bytes: (await fs.stat(path.join(dir, name))).size })),
  );
  const marker: Marker = { args: DATASET, generatorSha256, files };
  await fs.writeFile(path.join(dir, `${MARKER}.tmp`), JSON.stringify(marker, null, 2));
  await fs.rename(path.join(dir, `${MARKER}.tmp`), path.join(dir, MARKER));
  return { dir, files: names.map((n) => path.join(dir, n)), bytes: sum(files), generated: true };
}

async function checkMarker(dir: string, generatorSha256: string): Promise<Marker['files'] | undefined> {
  let marker: Marker;
  try {
    marker = JSON.parse(await fs.readFile(path.join(dir, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
  if (JSON.stringify(marker.args) !== JSON.stringify(DATASET) || marker.generatorSha256 !== generatorSha256)
    return undefined;
  const names = (await fs.readdir(dir)).filter((n) => /^part-\d+\.parquet$/.test(n)).sort();
  if (JSON.stringify(names) !== JSON.stringify(marker.files.map((f) => f.name))) return undefined;
  for (const file of marker.files) {
    const stat = await fs.stat(path.join(dir, file.name)).catch(() => null);
    if (stat?.size !== file.bytes) return undefined;
  }
  return marker.files;
}

/**
 * A Python with numpy, pyarrow and scipy: the repository's .venv when it has them, else bench/.venv,
 * created on first use with only the pins in bench/requirements.txt.
 */
async function pythonWithDependencies(root: string, log: (line: string) => void): Promise<string> {
  const candidates = [
    path.join(root, '.venv', 'bin', 'python'),
    path.join(root, 'bench', '.venv', 'bin', 'python'),
  ];
  for (const python of candidates)
    if (existsSync(python) && (await hasDependencies(python, root))) return python;

  const venv = path.join(root, 'bench', '.venv');
  log(
    `no Python with numpy, pyarrow and scipy found; creating ${path.relative(root, venv)} (needs PyPI, ~1 min)`,
  );
  await run(process.env.PYTHON ?? 'python3', ['-m', 'venv', venv], root);
  const python = path.join(venv, 'bin', 'python');
  await run(python, ['-m', 'pip', 'install', '--quiet', '-r', path.join('bench', 'requirements.txt')], root);
  if (!(await hasDependencies(python, root)))
    throw new Error(`${python} still cannot import numpy, pyarrow and scipy`);
  return python;
}

async function hasDependencies(python: string, cwd: string): Promise<boolean> {
  return run(python, ['-c', 'import numpy, pyarrow, scipy'], cwd, true).then(
    () => true,
    () => false,
  );
}

/** Runs a command with its output on our stderr (stdout is kept for the report). */
function run(command: string, args: string[], cwd: string, quiet = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', quiet ? 'ignore' : 2, quiet ? 'ignore' : 2],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

function sum(files: { bytes: number }[]): number {
  return files.reduce((n, f) => n + f.bytes, 0);
}
