import { BatchScoreClient, JobFailedError } from '../client/index.js';
import type { JobSummary } from '../domain/job.js';
import { resolveTemporal } from '../temporal/embedded.js';
import { createWorkers } from '../workers/create-workers.js';
import { compileWorkerOptions } from '../workers/options.js';
import { MAX_CONCURRENCY } from '../domain/job-spec.js';
import { absolute, list, parse, positiveInt, required, stripUndefined, wholeNumber } from './args.js';
import { ProgressLine } from './progress.js';
import { installQuietRuntime } from './runtime.js';

export const SCORE_HELP = `batch-score score --input <uri|glob> --model <folder> --output <uri> [options]

Scores every row of a Parquet dataset with an ONNX model through a Temporal workflow and writes
<output>/predictions/part-*.parquet, <output>/manifest.json and <output>/drift/report.json.

Without TEMPORAL_ADDRESS it starts a local Temporal dev server (Web UI on :8233) and a worker in this
process, and stops both at the end. With TEMPORAL_ADDRESS it starts the job on that cluster, where
\`batch-score worker\` processes must be running.

Options:
  --input <uri|glob>     Parquet file, folder, or glob (quote globs)
  --model <folder>       model folder (model.json + model.onnx)
  --output <uri>         output folder
  --id-columns a,b       input columns copied into the predictions (default: the model's idColumns)
  --shard-rows N         largest shard in rows (default 1000000; shards are whole row groups)
  --concurrency N        shards scored at once (default 8, at most 10000)
  --job-id ID            job (workflow) id; starting an id that exists follows that job instead
  --max-failed-shards N  failed shards tolerated (default 0): within it the job ends partial
  --json                 print the final summary as one JSON object on the last line
  -h, --help             this help

Exit codes: 0 completed, 1 failed, 2 usage error, 3 partial (some shards failed, within the
limit; listed in <output>/errors/ and the manifest), 4 cancelled.`;

export async function scoreCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    input: { type: 'string' },
    model: { type: 'string' },
    output: { type: 'string' },
    'id-columns': { type: 'string' },
    'shard-rows': { type: 'string' },
    concurrency: { type: 'string' },
    'job-id': { type: 'string' },
    'max-failed-shards': { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    console.log(SCORE_HELP);
    return 0;
  }
  required(values, ['input', 'model', 'output']);
  const spec = {
    input: absolute(values.input!),
    model: absolute(values.model!),
    output: absolute(values.output!),
    idColumns: list(values['id-columns']),
    shardRows: positiveInt(values['shard-rows'], 'shard-rows'),
    concurrency: wholeNumber(values.concurrency, 'concurrency', 1, MAX_CONCURRENCY),
    maxFailedShards: wholeNumber(values['max-failed-shards'], 'max-failed-shards', 0),
  };
  const say = (line: string) => process.stderr.write(`${line}\n`);

  installQuietRuntime();
  const temporal = await resolveTemporal({ log: say });
  const workerOptions = compileWorkerOptions();
  let workers: Awaited<ReturnType<typeof createWorkers>> | undefined;
  let running: Promise<void> | undefined;
  const client = await BatchScoreClient.connect({
    connection: await temporal.connect(),
    namespace: temporal.settings.namespace,
    taskQueue: workerOptions.taskQueue,
  });
  try {
    if (temporal.embedded) {
      workers = await createWorkers(
        await temporal.connectWorker(),
        temporal.settings.namespace,
        workerOptions,
      );
      running = workers.run();
      running.catch((error: unknown) => say(`worker stopped: ${String(error)}`));
    }
    const existing = values['job-id'] ? await statusOf(client, values['job-id']) : undefined;
    const job = await client.startJob(stripUndefined(spec), { jobId: values['job-id'] });
    const where = temporal.uiUrl
      ? ` (Web UI: ${temporal.uiUrl}/namespaces/${temporal.settings.namespace}/workflows/${job.jobId})`
      : ` on ${temporal.settings.address}`;
    // Job ids are idempotent: a running or finished job is followed, never started again with this spec.
    if (existing === 'RUNNING' || existing === 'COMPLETED')
      say(
        `job ${job.jobId} ${existing === 'RUNNING' ? 'is already running' : 'already finished'}: following it${where}; its own input, model and output stand, this command's are not used`,
      );
    else say(`job ${job.jobId} started${where}`);
    const summary = await followJob(job, values.json === true);
    printSummary(summary, values.json === true);
    return summary.status === 'completed' ? 0 : EXIT_PARTIAL;
  } catch (error) {
    if (error instanceof JobFailedError) {
      say(
        error.type === 'JobCancelled'
          ? error.message
          : `job ${error.jobId} failed: ${error.type}: ${error.message}`,
      );
      if (values.json)
        console.log(
          JSON.stringify({
            jobId: error.jobId,
            status: 'failed',
            error: { type: error.type, message: error.message },
          }),
        );
      return error.type === 'JobCancelled' ? EXIT_CANCELLED : 1;
    }
    throw error;
  } finally {
    workers?.shutdown();
    await running?.catch(() => undefined);
    await client.close();
    await temporal.stop();
  }
}

async function followJob(
  job: Awaited<ReturnType<BatchScoreClient['startJob']>>,
  quiet: boolean,
): Promise<JobSummary> {
  const line = new ProgressLine(process.stderr);
  let done = false;
  const poll = (async () => {
    while (!done) {
      try {
        line.update(await job.progress());
      } catch {
        // The first query can race the first workflow task; the next poll catches up.
      }
      await new Promise((r) => setTimeout(r, quiet ? 2_000 : 500));
    }
  })();
  try {
    const summary = await job.result();
    done = true;
    await poll;
    line.update(
      await job.progress().catch(() => ({
        ...FINISHED,
        shardsPlanned: summary.shards.planned,
        shardsDone: summary.shards.done,
        rowsPlanned: summary.rowsIn,
        rowsScored: summary.rowsScored,
      })),
    );
    return summary;
  } finally {
    done = true;
    await poll;
    line.end();
  }
}

/** Exit codes: 0 completed, 1 failed, 2 usage, 3 partial (some shards failed, within the limit), 4 cancelled. */
const EXIT_PARTIAL = 3;
const EXIT_CANCELLED = 4;

const FINISHED = {
  phase: 'done',
  shardsPlanned: 0,
  shardsDone: 0,
  shardsFailed: 0,
  rowsPlanned: 0,
  rowsScored: 0,
  shardsRunning: 0,
  paused: false,
  concurrency: 0,
} as const;

function printSummary(summary: JobSummary, json: boolean): void {
  const drift = summary.drift;
  const lines = [
    `job ${summary.jobId}: ${summary.status}`,
    `  rows: ${summary.rowsIn.toLocaleString('en-US')} in, ${summary.rowsScored.toLocaleString('en-US')} scored, ${summary.rowsFailed.toLocaleString('en-US')} failed`,
    `  shards: ${summary.shards.done}/${summary.shards.planned} done, ${summary.shards.failed} failed`,
    ...summary.failedShards.map(
      (f) => `    failed: ${f.shardId} (${f.fileUri}): ${f.errorType}: ${f.message}`,
    ),
    `  model: ${summary.model.name} ${summary.model.version} (sha256 ${summary.model.sha256.slice(0, 12)}...)`,
    `  predictions: ${summary.output.predictions}`,
    `  manifest: ${summary.output.manifest}`,
    ...driftLines(drift, summary.output.driftReport),
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
  if (json) {
    console.log(
      JSON.stringify({
        jobId: summary.jobId,
        status: summary.status,
        rowsIn: summary.rowsIn,
        rowsScored: summary.rowsScored,
        rowsFailed: summary.rowsFailed,
        shards: summary.shards,
        failedShards: summary.failedShards,
        largestHistory: summary.largestHistory,
        model: summary.model,
        output: summary.output,
        drift: {
          verdict: drift.verdict,
          driftedFeatures: drift.driftedFeatures,
          shareDrifted: drift.shareDrifted,
          prediction: drift.prediction,
          htmlReport: drift.htmlReport,
        },
      }),
    );
  }
}

/** The drift verdict and the most drifted features, a line each; the full story is in report.html. */
function driftLines(drift: JobSummary['drift'], jsonReport: string): string[] {
  const lines: string[] = [];
  if (drift.verdict === 'no_reference' || drift.verdict === 'no_data')
    lines.push(`  drift: ${drift.verdict.replace('_', ' ')}: ${drift.reason ?? ''}`);
  else {
    const share = `${Math.round(drift.shareDrifted * 100)}%; the dataset drifts at ${Math.round(drift.driftShare * 100)}%`;
    lines.push(
      `  drift: ${drift.verdict === 'drift' ? 'DATASET DRIFT' : 'no dataset drift'}: ${drift.driftedFeatures.length} of ${drift.tested} features drifted (${share})`,
    );
  }
  const line = (l: NonNullable<JobSummary['drift']['prediction']>) =>
    `${l.column}: ${l.test} ${formatDriftValue(l.value)} (${l.test === 'ks' || l.test === 'chisquare' || l.test === 'z' ? 'drifts below' : 'drifts at'} ${l.threshold})`;
  for (const top of drift.top.filter((t) => t.drifted)) lines.push(`    ${line(top)}`);
  if (drift.prediction)
    lines.push(
      `    prediction ${drift.prediction.drifted ? 'drifted' : 'did not drift'}: ${line(drift.prediction)}`,
    );
  if (drift.missingRateAlerts.length)
    lines.push(`    missing rate changed: ${drift.missingRateAlerts.join(', ')}`);
  if (drift.infiniteAlerts.length) lines.push(`    infinite values: ${drift.infiniteAlerts.join(', ')}`);
  lines.push(
    `    report: ${drift.htmlReport ?? jsonReport}${drift.htmlReport ? ` (and ${jsonReport})` : ''}`,
  );
  return lines;
}

function formatDriftValue(v: number): string {
  return v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6)
    ? v.toExponential(2)
    : String(Number(v.toPrecision(3)));
}

/** The status of the job's latest run, or undefined when there is none. */
async function statusOf(client: BatchScoreClient, jobId: string): Promise<string | undefined> {
  try {
    return (await client.getJob(jobId).workflow.describe()).status.name;
  } catch {
    return undefined;
  }
}
