/**
 * `npm run bench`: how fast one worker scores, against ONNX Runtime's own ceiling and a Python peer, on 10M
 * rows of 20 sensors with a 200-tree XGBoost model (all generated once into bench/data/). Each measurement
 * runs in its own child process (bench/stages.ts, bench/python_peer.py), so its peak RSS is its own. Prints
 * a table and the targets, then one JSON object as the last line. See docs/performance.md.
 *
 *   npm run bench [-- --runs 3 --python-1thread-runs 1 --skip-rss --session-options --shard-rows N]
 *
 * --runs: passes of every measurement (medians are reported); --python-1thread-runs: how many of them also
 * run the Python peer on one thread; --skip-rss: no 1x/10x memory check; --session-options: also time ORT
 * session option sets; --shard-rows: shard size for (c) instead of the job spec's default.
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKER_PROCESS_ENV } from '../workers/options.js';
import { DATASET, ensureInputs, type BenchInputs } from './dataset.js';
import type { StageName, StageRequest, StageResult } from './stages.js';

/** Target (c): the whole activity on one ORT thread keeps at least this share of ORT's own speed. */
const E2E_SHARE_TARGET = 0.9;
/** Target (d): the worker on all cores against the Python peer on the same cores. */
const PYTHON_RATIO_TARGET = 1.0;
/** Target: a worker's peak RSS stays under this plus the model's size... */
const RSS_LIMIT_MB = 400;
/** ...and grows by at most this factor from a file to one of 10x the rows ("flat"). */
const RSS_FLAT_FACTOR = 1.15;

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

/** The repository root: the first folder up from this script (or the working directory) holding the generator. */
function repoRoot(): string {
  const starts = [path.dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, 'datasets', 'generate_sensor_data.py'))) return dir;
      if (path.dirname(dir) === dir) break;
    }
  }
  throw new Error('cannot find the repository root (datasets/generate_sensor_data.py)');
}

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  const value = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} takes a whole number`);
  return value;
}

/** Runs a child that prints one JSON object as its last stdout line; returns that object. */
function runJson<T>(command: string, args: string[], cwd: string): Promise<T> {
  return new Promise((resolve, reject) => {
    // Every measurement (the Python peer's too) runs with the environment a deployed worker gets.
    const env = { ...process.env, ...WORKER_PROCESS_ENV };
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0)
        return reject(new Error(`${path.basename(args[0] ?? command)} failed (${signal ?? `exit ${code}`})`));
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as T);
      } catch {
        reject(new Error(`${args.join(' ')} printed no result: ${out}`));
      }
    });
  });
}

function runStage(request: StageRequest, root: string): Promise<StageResult> {
  const script = fileURLToPath(new URL('./stages.js', import.meta.url));
  return runJson<StageResult>(process.execPath, [script, JSON.stringify(request)], root);
}

interface PythonResult {
  rows: number;
  seconds: number;
  rows_per_s: number;
  cpu_seconds: number;
  peak_rss_mb: number;
}

async function runPython(inputs: BenchInputs, threads: number, root: string): Promise<PythonResult> {
  const out = await fs.mkdtemp(path.join(os.tmpdir(), 'batch-score-bench-python-'));
  try {
    const script = path.join(root, 'bench', 'python_peer.py');
    const args = [
      script,
      '--data',
      inputs.dataset.dir,
      '--model',
      inputs.modelDir,
      '--threads',
      String(threads),
    ];
    return await runJson<PythonResult>(inputs.python, [...args, '--out', out], root);
  } finally {
    await fs.rm(out, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const load = () => os.loadavg()[0]!;

/** Session option sets for --session-options: each against the defaults, run() alone on the same tensors. */
const OPTION_SETS: NonNullable<StageRequest['optionSets']> = {
  'default (1 thread, all optimisations, arena, sequential)': {},
  'graph optimisation extended': { graphOptimizationLevel: 'extended' },
  'graph optimisation disabled': { graphOptimizationLevel: 'disabled' },
  'graph optimisation basic': { graphOptimizationLevel: 'basic' },
  'no CPU arena, no memory pattern': { enableCpuMemArena: false, enableMemPattern: false },
  'parallel execution, 2 inter-op threads': { executionMode: 'parallel', interOpThreads: 2 },
  '2 intra-op threads, spinning off': { intraOpThreads: 2, spinning: false },
  '2 intra-op threads, spinning on': { intraOpThreads: 2, spinning: true },
  '1 intra-op thread, 2 runs at once': { intraOpThreads: 1, concurrent: 2 },
  '2 intra-op threads, 2 runs at once': { intraOpThreads: 2, concurrent: 2 },
};

async function main(argv: string[]): Promise<void> {
  const runs = Math.max(1, option(argv, '--runs', 3));
  const python1Runs = option(argv, '--python-1thread-runs', 1);
  const skipRss = argv.includes('--skip-rss');
  const shardRows = option(argv, '--shard-rows', 0) || undefined;
  const sweep = argv.includes('--session-options');
  const root = repoRoot();
  const started = Date.now();
  const inputs = await ensureInputs(root, log);
  const { dataset, modelDir } = inputs;
  const cores = os.availableParallelism();
  log(
    `dataset ${path.relative(root, dataset.dir)}: ${dataset.files.length} files, ${fmt(dataset.bytes / 1e6, 1)} MB`,
  );

  const results = new Map<StageName | 'python' | 'python1', (StageResult | PythonResult)[]>();
  const loads: number[] = [load()];
  const add = (key: StageName | 'python' | 'python1', r: StageResult | PythonResult) => {
    (results.get(key) ?? results.set(key, []).get(key)!).push(r);
    loads.push(load());
  };
  const base = { dataDir: dataset.dir, modelDir };
  // Runs interleave the measurements, so that each ratio compares figures taken under the same load.
  for (let run = 1; run <= runs; run++) {
    for (const stage of ['read', 'ceiling', 'e2e', 'machine'] as const) {
      log(`run ${run}/${runs}: ${stage} (load ${fmt(load(), 2)})...`);
      const r = await runStage({ ...base, stage, ...(stage === 'e2e' ? { shardRows } : {}) }, root);
      log(`run ${run}/${runs}: ${stage}: ${fmt(r.rows / r.seconds)} rows/s, ${fmt(r.seconds, 1)} s`);
      add(stage, r);
    }
    log(`run ${run}/${runs}: python peer, ${cores} threads (load ${fmt(load(), 2)})...`);
    const py = await runPython(inputs, cores, root);
    log(`run ${run}/${runs}: python peer: ${fmt(py.rows_per_s)} rows/s`);
    add('python', py);
    if (run <= python1Runs) {
      log(`run ${run}/${runs}: python peer, 1 thread...`);
      const py1 = await runPython(inputs, 1, root);
      log(`run ${run}/${runs}: python peer, 1 thread: ${fmt(py1.rows_per_s)} rows/s`);
      add('python1', py1);
    }
  }
  const rss: StageResult[] = [];
  if (!skipRss) {
    for (const data of inputs.rss) {
      log(`memory: the worker on ${path.basename(data.dir)} (load ${fmt(load(), 2)})...`);
      rss.push(await runStage({ stage: 'machine', dataDir: data.dir, modelDir }, root));
    }
  }
  let options: StageResult | undefined;
  if (sweep) {
    log('session options: timing run() per option set...');
    options = await runStage(
      { stage: 'options', dataDir: dataset.dir, modelDir, optionSets: OPTION_SETS },
      root,
    );
  }

  const stage = (key: StageName) => results.get(key) as StageResult[];
  const rate = (key: StageName) => median(stage(key).map((r) => r.rows / r.seconds));
  const pyRate = (key: 'python' | 'python1') => {
    const list = (results.get(key) ?? []) as PythonResult[];
    return list.length ? median(list.map((r) => r.rows_per_s)) : NaN;
  };
  const rows = stage('e2e')[0]!.rows;
  const ceiling = rate('ceiling');
  const e2e = rate('e2e');
  const machine = rate('machine');
  const python = pyRate('python');
  const python1 = pyRate('python1');
  const readRuns = stage('read');
  const e2eRuns = stage('e2e');
  const machineRuns = stage('machine');
  const peak = (list: { peakRssMb?: number; peak_rss_mb?: number }[]) =>
    Math.max(...list.map((r) => r.peakRssMb ?? r.peak_rss_mb ?? 0));
  const modelMb = inputs.modelBytes / 1024 / 1024;
  const workerPeak = Math.max(peak(e2eRuns), peak(machineRuns), ...rss.map((r) => r.peakRssMb));
  const [rss1, rss10] = rss.map((r) => r.peakRssMb);
  const fact = (list: StageResult[], key: string) => median(list.map((r) => Number(r.facts[key])));

  const targets = {
    e2e_at_least_90pct_of_ceiling: e2e / ceiling >= E2E_SHARE_TARGET,
    machine_at_least_python_peer: machine / python >= PYTHON_RATIO_TARGET,
    ...(rss1 !== undefined && rss10 !== undefined
      ? {
          rss_flat_1x_to_10x: rss10 <= rss1 * RSS_FLAT_FACTOR,
          rss_under_400mb_plus_model: workerPeak <= RSS_LIMIT_MB + modelMb,
        }
      : {}),
  };

  const say = (text = '') => process.stdout.write(`${text}\n`);
  const cpus = os.cpus();
  const ortVersion = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string })
    .version;
  say(
    `batch-score bench: ${fmt(rows)} rows of ${DATASET.kind} in ${dataset.files.length} files (${DATASET.codec} in turn, row groups of ${fmt(DATASET.rowGroupRows)}), ${fmt(dataset.bytes / 1e6, 1)} MB = ${fmt(dataset.bytes / rows, 1)} bytes/row`,
  );
  say(
    `model ${path.relative(root, modelDir)} (${fmt(modelMb, 2)} MB); node ${process.version}, onnxruntime-node ${ortVersion}; ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}`,
  );
  say(
    `load average (1 min) over the runs: ${loads.map((l) => fmt(l, 1)).join(', ')}; other work on the machine skews every figure`,
  );
  say(`rows/s: median of ${runs} run(s), each a full pass over the dataset, each in a fresh process`);
  say();
  const table: [string, number, string, string][] = [
    [
      '(a) ORT ceiling: run() on prebuilt tensors, 1 intra-op thread',
      ceiling,
      fmt(peak(stage('ceiling'))),
      '',
    ],
    [
      '(b) read: open + readRowGroup (20 features + id) -> Arrow',
      rate('read'),
      fmt(peak(readRuns)),
      `snappy ${fmt(fact(readRuns, 'read_rows_per_s_snappy'))}, zstd ${fmt(fact(readRuns, 'read_rows_per_s_zstd'))}`,
    ],
    [
      '(c) whole activity, scoreShard per shard in turn, 1 ORT thread',
      e2e,
      fmt(peak(e2eRuns)),
      `${fmt((100 * e2e) / ceiling, 1)} % of (a)`,
    ],
    [
      `(d) the machine: ${stage('machine')[0]!.facts.scoring_slots} slots x ${stage('machine')[0]!.facts.ort_threads} ORT thread (worker defaults)`,
      machine,
      fmt(peak(machineRuns)),
      `${fmt(machine / python, 2)}x the Python peer`,
    ],
    [
      `(e) Python peer, ${cores} threads (pyarrow -> numpy -> onnxruntime -> pyarrow)`,
      python,
      fmt(peak(results.get('python') ?? [])),
      '',
    ],
    [
      '    Python peer, 1 thread',
      python1,
      fmt(peak(results.get('python1') ?? [])),
      Number.isNaN(python1) ? 'not run' : `(c) is ${fmt(e2e / python1, 2)}x this`,
    ],
  ];
  const width = Math.max(...table.map((t) => t[0].length));
  say(`${'measurement'.padEnd(width)}  ${'rows/s'.padStart(10)}  ${'peak RSS MB'.padStart(11)}  note`);
  // A measurement left out (--python-1thread-runs 0) has no row rather than a row of NaN.
  for (const [label, value, rssMb, note] of table.filter(([, value]) => !Number.isNaN(value)))
    say(`${label.padEnd(width)}  ${fmt(value).padStart(10)}  ${rssMb.padStart(11)}  ${note}`);
  say();
  say(
    `(c) split, seconds per pass: waiting for the model ${fmt(fact(e2eRuns, 'activity_infer_s'), 2)}, reading ${fmt(fact(e2eRuns, 'activity_read_s'), 2)}, writing+stats ${fmt(fact(e2eRuns, 'activity_write_s'), 2)} (reads and writes overlap the model but for each shard's first read and last write; ${stage('e2e')[0]!.facts.shards} shards); CPU ${fmt(median(e2eRuns.map((r) => r.cpuSeconds / r.wallSeconds)), 2)} cores busy`,
  );
  say(
    `(d) CPU ${fmt(median(machineRuns.map((r) => r.cpuSeconds / r.wallSeconds)), 2)} cores busy; Python peer CPU ${fmt(median(((results.get('python') ?? []) as PythonResult[]).map((r) => r.cpu_seconds / r.seconds)), 2)} cores busy`,
  );
  if (rss1 !== undefined && rss10 !== undefined)
    say(
      `memory: worker peak RSS ${fmt(rss1)} MB on ${fmt(inputs.rss[0]!.bytes / 1e6)} MB of input (1x), ${fmt(rss10)} MB on ${fmt(inputs.rss[1]!.bytes / 1e6)} MB (10x)`,
    );
  if (options) {
    say();
    say(`session options (run() alone on the first ${fmt(options.rows)} rows, prebuilt tensors):`);
    for (const label of Object.keys(OPTION_SETS)) {
      const perSecond = Number(options.facts[`${label}:rows_per_s`]);
      const cores = Number(options.facts[`${label}:cpu_cores`]);
      say(
        `  ${label.padEnd(56)} ${fmt(perSecond).padStart(10)} rows/s, ${fmt(cores, 2)} cores busy, ${fmt(perSecond / cores).padStart(9)} rows per CPU-second`,
      );
    }
  }
  say();
  for (const [name, ok] of Object.entries(targets)) say(`${ok ? 'PASS' : 'FAIL'}  ${name}`);
  say();
  const summary = {
    rows,
    bytes_per_row: Math.round((dataset.bytes / rows) * 10) / 10,
    ort_ceiling_rows_per_s: Math.round(ceiling),
    read_rows_per_s: Math.round(rate('read')),
    read_rows_per_s_snappy: Math.round(fact(readRuns, 'read_rows_per_s_snappy')),
    read_rows_per_s_zstd: Math.round(fact(readRuns, 'read_rows_per_s_zstd')),
    e2e_rows_per_s_1thread: Math.round(e2e),
    e2e_share_of_ceiling: Math.round((e2e / ceiling) * 1000) / 1000,
    machine_rows_per_s: Math.round(machine),
    machine_scoring_slots: stage('machine')[0]!.facts.scoring_slots,
    machine_ort_threads: stage('machine')[0]!.facts.ort_threads,
    python_peer_rows_per_s: Math.round(python),
    python_peer_threads: cores,
    python_peer_rows_per_s_1thread: Number.isNaN(python1) ? null : Math.round(python1),
    machine_vs_python_peer: Math.round((machine / python) * 100) / 100,
    peak_rss_mb: Math.round(workerPeak),
    peak_rss_mb_1x: rss1 === undefined ? null : Math.round(rss1),
    peak_rss_mb_10x: rss10 === undefined ? null : Math.round(rss10),
    model_mb: Math.round(modelMb * 100) / 100,
    targets: Object.fromEntries(Object.entries(targets).map(([k, v]) => [k, v ? 'PASS' : 'FAIL'])),
    runs,
    cores,
    load_avg_1min: loads.map((l) => Math.round(l * 100) / 100),
    wall_s: Math.round((Date.now() - started) / 1000),
  };
  say(JSON.stringify(summary));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
