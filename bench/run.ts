/**
 * `npm run bench`: rows/s of each scoring stage and of the whole scoring activity on one worker process
 * with one ONNX Runtime thread, over a 2M-row AI4I-like dataset (generated once into bench/data/).
 * Each stage runs in its own child process (bench/stages.ts) so its peak RSS is its own.
 * Prints a table, then one JSON object as the last line. See docs/performance.md.
 *
 *   npm run bench [-- --runs 3 --e2e-runs 3]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATASET, ensureDataset } from './dataset.js';
import type { StageName, StageResult } from './stages.js';

const MODEL = 'datasets/ai4i2020/model';

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
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} takes a positive integer`);
  return value;
}

function runStage(stage: StageName, dataDir: string, modelDir: string, runs: number): Promise<StageResult> {
  const script = fileURLToPath(new URL('./stages.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, stage, dataDir, modelDir, String(runs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) return reject(new Error(`stage ${stage} failed (${signal ?? `exit ${code}`})`));
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as StageResult);
      } catch {
        reject(new Error(`stage ${stage} printed no result: ${out}`));
      }
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(argv: string[]): Promise<void> {
  const runs = option(argv, '--runs', 3);
  const e2eRuns = option(argv, '--e2e-runs', 3);
  const root = repoRoot();
  const modelDir = path.join(root, MODEL);
  const dataset = await ensureDataset(root, log);
  log(
    `dataset ${path.relative(root, dataset.dir)}: ${dataset.files.length} files, ${fmt(dataset.bytes / 1e6, 1)} MB`,
  );

  const loadBefore = os.loadavg()[0]!;
  const results = new Map<StageName, StageResult>();
  const plan: [StageName, number][] = [
    ['read', runs],
    ['infer', runs],
    ['write', runs],
    ['e2e', e2eRuns],
  ];
  for (const [stage, n] of plan) {
    log(`stage ${stage}: ${n} run(s)...`);
    const result = await runStage(stage, dataset.dir, modelDir, n);
    log(`stage ${stage}: done in ${fmt(result.wallSeconds, 1)} s`);
    results.set(stage, result);
  }

  const rows = results.get('e2e')!.rows;
  const line = (label: string, stage: StageName, key: string, what: string) => {
    const r = results.get(stage)!;
    const seconds = median(r.millis[key]!) / 1000;
    const all = r.millis[key]!.map((ms) => ms / 1000);
    return {
      label,
      stage,
      what,
      seconds,
      range: `${fmt(Math.min(...all), 2)}-${fmt(Math.max(...all), 2)}`,
      rowsPerS: rows / seconds,
      runs: all.length,
      rss: r.peakRssMb,
      startRss: r.startRssMb,
    };
  };
  const lines = [
    line(
      'Parquet read',
      'read',
      'read',
      'ParquetFile.open + readRowGroup(5 features + UDI) -> Arrow vectors',
    ),
    line('tensor build', 'read', 'tensor', 'buildFeatureMatrix -> float32 [rows, 5] (same pass as read)'),
    line('inference', 'infer', 'infer', 'ORT session.run() on a prebuilt tensor, 1 intra-op thread'),
    line('predict()', 'infer', 'predict', 'ModelSession.predict = tensor build + run + decode'),
    line('Parquet write', 'write', 'write', 'PartWriter encode + temp file + fsync/rename, 1 part per shard'),
    line('whole activity', 'e2e', 'e2e', 'scoreShard() for every shard in turn, heartbeat no-op'),
    line('  its read', 'e2e', 'activity_read', "scoreShard's own millis.read"),
    line('  its infer', 'e2e', 'activity_infer', "scoreShard's own millis.infer (= predict)"),
    line('  its write', 'e2e', 'activity_write', "scoreShard's own millis.write (+ stats)"),
  ];
  const e2e = results.get('e2e')!;
  const cpus = os.cpus();
  const ortVersion = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string })
    .version;

  const header = ['stage', 'seconds', 'rows/s', 'runs', 'min-max s', 'peak RSS MB (start)', 'what is timed'];
  const table = lines.map((l) => [
    l.label,
    fmt(l.seconds, 3),
    fmt(l.rowsPerS),
    String(l.runs),
    l.range,
    l.label.startsWith('  ') ? '' : `${fmt(l.rss)} (${fmt(l.startRss)})`,
    l.what,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
  const row = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ');
  const say = (text = '') => process.stdout.write(`${text}\n`);
  say(
    `batch-score bench: ${fmt(rows)} rows (${DATASET.kind}, ${DATASET.files} files, row groups of ${fmt(DATASET.rowGroupRows)}, ${DATASET.codec}), ${e2e.facts.shards} shards`,
  );
  say(
    `model ${MODEL}; node ${process.version}, onnxruntime-node ${ortVersion}; ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}`,
  );
  say(
    `load average (1 min) ${fmt(loadBefore, 2)} before, ${fmt(os.loadavg()[0]!, 2)} after: other work on the machine skews the figures`,
  );
  say('seconds: median over the runs, each run a full pass over the dataset');
  say('peak RSS: maxRSS of the child process that ran the stage (start: RSS after setup, before the runs);');
  say('  read and tensor build share one process, inference and predict() another');
  say();
  say(row(header));
  say(row(widths.map((w) => '-'.repeat(w))));
  for (const cells of table) say(row(cells));
  say();
  say(
    `whole activity: ${fmt(e2e.cpuSeconds / e2e.wallSeconds, 2)} CPU cores busy on average (user+sys ${fmt(e2e.cpuSeconds, 1)} s over ${fmt(e2e.wallSeconds, 1)} s wall), output ${fmt(Number(e2e.facts.bytesWritten) / 1e6, 1)} MB`,
  );
  const get = (label: string) => lines.find((l) => l.label === label)!;
  const summary = {
    rows,
    read_rows_per_s: Math.round(get('Parquet read').rowsPerS),
    tensor_rows_per_s: Math.round(get('tensor build').rowsPerS),
    infer_rows_per_s: Math.round(get('inference').rowsPerS),
    predict_rows_per_s: Math.round(get('predict()').rowsPerS),
    write_rows_per_s: Math.round(get('Parquet write').rowsPerS),
    e2e_rows_per_s_1thread: Math.round(get('whole activity').rowsPerS),
    e2e_seconds: Number(get('whole activity').seconds.toFixed(3)),
    peak_rss_mb: Math.round(e2e.peakRssMb),
    peak_rss_mb_by_stage: Object.fromEntries(
      [...results].map(([stage, r]) => [stage, Math.round(r.peakRssMb)]),
    ),
    runs: { read: runs, infer: runs, write: runs, e2e: e2eRuns },
    shards: e2e.facts.shards,
    model: MODEL,
    cpus: cpus.length,
    loadavg_1m: [Number(loadBefore.toFixed(2)), Number(os.loadavg()[0]!.toFixed(2))],
    node: process.version,
    onnxruntime_node: ortVersion,
  };
  say(JSON.stringify(summary));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
