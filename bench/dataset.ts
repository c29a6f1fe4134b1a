import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * What the benchmark reads and scores, all generated on the first run into bench/data/ (git-ignored) and
 * reused while the scripts that made them are unchanged:
 * - the dataset: 10M rows of 20 sensors in 8 files, snappy and zstd in turn, row groups of 122,880 rows;
 * - two single files of 1x and 10x the rows, for the memory check;
 * - the model: XGBoost, 200 trees of depth 6 over the 20 sensors, trained by datasets/train_bench_model.py.
 * Python runs in bench/.venv, created on first use from the pins in bench/requirements.txt.
 */
export const DATASET = {
  kind: 'sensor20',
  rows: 10_000_000,
  files: 8,
  rowGroupRows: 122_880,
  codec: 'snappy,zstd',
  seed: 7,
  out: 'bench/data/sensor20-10m',
} as const;

/**
 * The memory check's files: 16 and 160 row groups (1x and 10x), snappy, as a worker would get them. 16 row
 * groups are two shards of the default 1,000,000 rows, so both of a 2-core worker's slots are busy on the
 * 1x file too: the check compares file sizes, not how many slots a small file keeps busy.
 */
export const RSS_DATASETS = [
  { ...DATASET, rows: 16 * 122_880, files: 1, codec: 'snappy', seed: 11, out: 'bench/data/sensor20-rss-1x' },
  {
    ...DATASET,
    rows: 160 * 122_880,
    files: 1,
    codec: 'snappy',
    seed: 11,
    out: 'bench/data/sensor20-rss-10x',
  },
] as const;

export const MODEL_DIR = 'bench/data/model-sensor20';
const MODEL_NAME = 'sensor20-failure-xgboost';
const GENERATOR = 'datasets/generate_sensor_data.py';
const TRAINER = 'datasets/train_bench_model.py';
const REQUIREMENTS = 'bench/requirements.txt';
/** Written last, after the generator succeeded: a folder without it (or with other files) is made again. */
const MARKER = 'bench-dataset.json';
/** What bench/.venv must import: the generator's, the trainer's and the Python peer's modules. */
const PYTHON_IMPORTS = 'import numpy, pyarrow, scipy, onnxruntime, xgboost, onnxmltools, sklearn';

type DatasetArgs = typeof DATASET | (typeof RSS_DATASETS)[number];

interface Marker {
  args: unknown;
  sha256: string;
  files: { name: string; bytes: number }[];
}

export interface Dataset {
  dir: string;
  files: string[];
  bytes: number;
  generated: boolean;
}

export interface BenchInputs {
  dataset: Dataset;
  rss: Dataset[];
  modelDir: string;
  modelBytes: number;
  python: string;
}

/** Makes (or reuses) everything the benchmark needs; logs what it makes. */
export async function ensureInputs(root: string, log: (line: string) => void): Promise<BenchInputs> {
  const python = await benchPython(root, log);
  const dataset = await ensureDataset(root, DATASET, python, log);
  const rss: Dataset[] = [];
  for (const args of RSS_DATASETS) rss.push(await ensureDataset(root, args, python, log));
  const modelDir = await ensureModel(root, python, log);
  const modelBytes = (await fs.stat(path.join(modelDir, 'model.onnx'))).size;
  return { dataset, rss, modelDir, modelBytes, python };
}

async function ensureDataset(
  root: string,
  args: DatasetArgs,
  python: string,
  log: (line: string) => void,
): Promise<Dataset> {
  const dir = path.join(root, args.out);
  const sha256 = await sha256Of(root, [GENERATOR]);
  const reused = await checkMarker(dir, args, sha256, /^part-\d+\.parquet$/);
  if (reused)
    return { dir, files: reused.map((f) => path.join(dir, f.name)), bytes: sum(reused), generated: false };

  log(`generating ${args.rows.toLocaleString('en-US')} rows into ${args.out} (once; reused afterwards)`);
  await fs.rm(path.join(dir, MARKER), { force: true });
  await run(
    python,
    [
      GENERATOR,
      ...['--kind', args.kind, '--rows', String(args.rows), '--files', String(args.files)],
      ...['--row-group-rows', String(args.rowGroupRows), '--codec', args.codec],
      ...['--out', args.out, '--seed', String(args.seed), '--overwrite'],
    ],
    root,
  );
  const files = await writeMarker(dir, args, sha256, /^part-\d+\.parquet$/);
  if (files.length !== args.files)
    throw new Error(`${dir}: expected ${args.files} part files, found ${files.length}`);
  return { dir, files: files.map((f) => path.join(dir, f.name)), bytes: sum(files), generated: true };
}

/**
 * The benchmark model: trained once by datasets/train_bench_model.py, then given its model.json and
 * reference profile by the project's own `batch-score model init` and `batch-score profile`.
 */
async function ensureModel(root: string, python: string, log: (line: string) => void): Promise<string> {
  const dir = path.join(root, MODEL_DIR);
  const sha256 = await sha256Of(root, [GENERATOR, TRAINER, REQUIREMENTS]);
  const args = { trainer: TRAINER, name: MODEL_NAME };
  if (await checkMarker(dir, args, sha256, /^(model\.onnx|model\.json|reference_profile\.json)$/)) return dir;

  log(`training the benchmark model into ${MODEL_DIR} (once, ~30 s; reused afterwards)`);
  await fs.rm(path.join(dir, MARKER), { force: true });
  await run(python, [TRAINER, '--out', MODEL_DIR], root);
  const { features } = JSON.parse(await fs.readFile(path.join(dir, 'features.json'), 'utf8')) as {
    features: string[];
  };
  const { main } = await import('../cli/main.js');
  const init = [
    'model',
    'init',
    path.join(dir, 'model.onnx'),
    '--features',
    features.join(','),
    '--out',
    dir,
  ];
  init.push('--name', MODEL_NAME, '--version', '1.0.0', '--id-columns', 'id');
  if ((await main(init)) !== 0) throw new Error('batch-score model init failed for the benchmark model');
  if ((await main(['profile', '--input', path.join(dir, 'reference'), '--model', dir])) !== 0)
    throw new Error('batch-score profile failed for the benchmark model');
  await writeMarker(dir, args, sha256, /^(model\.onnx|model\.json|reference_profile\.json)$/);
  return dir;
}

async function sha256Of(root: string, files: string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) hash.update(await fs.readFile(path.join(root, file)));
  return hash.digest('hex');
}

async function writeMarker(dir: string, args: unknown, sha256: string, pattern: RegExp) {
  const names = (await fs.readdir(dir)).filter((n) => pattern.test(n)).sort();
  const files = await Promise.all(
    names.map(async (name) => ({ name, bytes: (await fs.stat(path.join(dir, name))).size })),
  );
  const marker: Marker = { args, sha256, files };
  await fs.writeFile(path.join(dir, `${MARKER}.tmp`), JSON.stringify(marker, null, 2));
  await fs.rename(path.join(dir, `${MARKER}.tmp`), path.join(dir, MARKER));
  return files;
}

async function checkMarker(
  dir: string,
  args: unknown,
  sha256: string,
  pattern: RegExp,
): Promise<Marker['files'] | undefined> {
  let marker: Marker;
  try {
    marker = JSON.parse(await fs.readFile(path.join(dir, MARKER), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
  if (JSON.stringify(marker.args) !== JSON.stringify(args) || marker.sha256 !== sha256) return undefined;
  const names = (await fs.readdir(dir)).filter((n) => pattern.test(n)).sort();
  if (JSON.stringify(names) !== JSON.stringify(marker.files.map((f) => f.name))) return undefined;
  for (const file of marker.files) {
    const stat = await fs.stat(path.join(dir, file.name)).catch(() => null);
    if (stat?.size !== file.bytes) return undefined;
  }
  return marker.files;
}

/**
 * bench/.venv's Python, created on first use with exactly the pins in bench/requirements.txt (numpy, pyarrow
 * and scipy for the generator; xgboost, scikit-learn and onnxmltools for training; onnxruntime, the same
 * version as onnxruntime-node, for the Python peer). It is made again when the requirements change.
 */
async function benchPython(root: string, log: (line: string) => void): Promise<string> {
  const venv = path.join(root, 'bench', '.venv');
  const python = path.join(venv, 'bin', 'python');
  const stamp = path.join(venv, 'requirements.sha256');
  const wanted = await sha256Of(root, [REQUIREMENTS]);
  const current = await fs.readFile(stamp, 'utf8').catch(() => '');
  if (existsSync(python) && current === wanted && (await canImport(python, root))) return python;

  log(`creating ${path.relative(root, venv)} from ${REQUIREMENTS} (needs PyPI, ~1-2 min, once)`);
  if (!existsSync(python)) await run(process.env.PYTHON ?? 'python3', ['-m', 'venv', venv], root);
  await run(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS],
    root,
  );
  if (!(await canImport(python, root))) throw new Error(`${python} still cannot run: ${PYTHON_IMPORTS}`);
  await fs.writeFile(stamp, wanted);
  return python;
}

function canImport(python: string, cwd: string): Promise<boolean> {
  return run(python, ['-c', PYTHON_IMPORTS], cwd, true).then(
    () => true,
    () => false,
  );
}

/** Runs a command with its output on our stderr (stdout is kept for the report). */
export function run(command: string, args: string[], cwd: string, quiet = false): Promise<void> {
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
