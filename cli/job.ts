import {
  InvalidControlError,
  JobFailedError,
  JobNotFoundError,
  JobNotRunningError,
  type JobListEntry,
  type JobProgress,
} from '../client/index.js';
import type { JobState } from '../workflows/search-attributes.js';
import { parse, positiveInt, UsageError } from './args.js';
import { connectToCluster } from './cluster.js';

export const JOB_HELP = `batch-score job <status|pause|resume|set-concurrency|cancel|list> [options]

Follows and controls jobs on a running cluster (TEMPORAL_ADDRESS, or "batch-score server" on 127.0.0.1:7233).

  job status <job-id> [--json]            progress: shards, rows, rows/s, ETA, paused, concurrency
  job pause <job-id> [--reason TEXT]      start no new shards; running ones finish
  job resume <job-id>
  job set-concurrency <job-id> <N>        most shards scored at once from now on
  job cancel <job-id>                     stop; finished parts are kept and listed in the manifest
  job list [--status S] [--model NAME] [--dataset URI] [--since DATE|DURATION] [--limit N] [--json]
        S: running, planning, scoring, paused, finalizing, completed, partial, failed, cancelled
        --since 2026-11-01, 2026-11-01T02:00:00Z, or 24h / 7d (that long ago)

Exit codes: 0 done, 1 the job or cluster refused, 2 usage error.`;

const STATES = [
  'running',
  'planning',
  'scoring',
  'paused',
  'finalizing',
  'completed',
  'partial',
  'failed',
  'cancelled',
];

export async function jobCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') {
    console.log(JOB_HELP);
    return action ? 0 : 2;
  }
  const { values, positionals } = parse(
    rest,
    {
      json: { type: 'boolean' },
      reason: { type: 'string' },
      status: { type: 'string' },
      model: { type: 'string' },
      dataset: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      'task-queue': { type: 'string' },
    },
    true,
  );
  if (values.help) {
    console.log(JOB_HELP);
    return 0;
  }
  const client = await connectToCluster(values['task-queue']);
  try {
    if (action === 'list') {
      if (values.status && !STATES.includes(values.status))
        throw new UsageError(`--status ${values.status}: expected one of ${STATES.join(', ')}`);
      const jobs = await client.listJobs({
        status: values.status as JobState | 'running' | undefined,
        model: values.model,
        dataset: values.dataset,
        since: values.since ? parseSince(values.since) : undefined,
        limit: positiveInt(values.limit, 'limit'),
      });
      if (values.json) console.log(JSON.stringify(jobs));
      else printJobs(jobs);
      return 0;
    }
    const jobId = positionals[0];
    if (!jobId) throw new UsageError(`job ${action} needs a job id`);
    const job = client.getJob(jobId);
    switch (action) {
      case 'status': {
        const progress = await job.progress();
        if (values.json) console.log(JSON.stringify({ jobId, ...progress }));
        else console.log(formatProgress(jobId, progress));
        return 0;
      }
      case 'pause':
        report(jobId, 'paused', await job.pause(values.reason));
        return 0;
      case 'resume':
        report(jobId, 'resumed', await job.resume());
        return 0;
      case 'set-concurrency': {
        const n = Number(positionals[1]);
        if (positionals[1] === undefined || !Number.isInteger(n) || n < 1)
          throw new UsageError(
            `job set-concurrency ${jobId} ${positionals[1] ?? ''}: expected a whole number from 1 to 10000, as in: job set-concurrency <job-id> <N>`.replace(
              '  ',
              ' ',
            ),
          );
        report(jobId, 'concurrency set', await job.setConcurrency(n));
        return 0;
      }
      case 'cancel':
        await job.cancel();
        console.log(`job ${jobId}: cancellation requested; running shards stop within one heartbeat`);
        return 0;
      default:
        throw new UsageError(`unknown job action "${action}"`);
    }
  } catch (error) {
    if (
      error instanceof JobNotFoundError ||
      error instanceof JobNotRunningError ||
      error instanceof InvalidControlError ||
      error instanceof JobFailedError
    ) {
      process.stderr.write(`batch-score job ${action}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await client.close();
  }
}

function report(jobId: string, what: string, control: { paused: boolean; concurrency: number }): void {
  console.log(
    `job ${jobId}: ${what} (paused: ${control.paused ? 'yes' : 'no'}, concurrency ${control.concurrency})`,
  );
}

export function formatProgress(jobId: string, p: JobProgress): string {
  const rate = p.rowsPerSecond
    ? `${Math.round(p.rowsPerSecond).toLocaleString('en-US')} rows/s`
    : 'no rate yet';
  const eta = p.etaSeconds === null || p.etaSeconds === undefined ? '?' : `${Math.ceil(p.etaSeconds)}s`;
  return [
    `job ${jobId}: ${p.paused && p.phase === 'scoring' ? `paused${p.pauseReason ? ` (${p.pauseReason})` : ''}` : p.phase}`,
    `  shards: ${p.shardsDone} done, ${p.shardsFailed} failed, ${p.shardsRunning} running, of ${p.shardsPlanned}`,
    `  rows: ${p.rowsScored.toLocaleString('en-US')} of ${p.rowsPlanned.toLocaleString('en-US')} scored, ${rate}, ETA ${eta}`,
    `  concurrency: ${p.concurrency}`,
    ...(p.failure ? [`  failed: ${p.failure.type}: ${p.failure.message}`] : []),
  ].join('\n');
}

function printJobs(jobs: JobListEntry[]): void {
  if (jobs.length === 0) {
    console.log('no jobs');
    return;
  }
  for (const job of jobs) {
    console.log(
      [
        job.startTime.toISOString(),
        job.status.padEnd(10),
        job.jobId,
        job.model ?? '-',
        job.modelVersion ?? '-',
        job.dataset ?? '-',
      ].join('  '),
    );
  }
}

/** A date, a time, or a duration back from now (24h, 7d, 30m). */
function parseSince(value: string): Date {
  const relative = /^(\d+)\s*([mhd])$/.exec(value);
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(Date.now() - Number(relative[1]) * unit);
  }
  const time = Date.parse(value);
  if (Number.isNaN(time))
    throw new UsageError(`--since ${value}: expected a date (2026-11-01), a time, or 24h / 7d`);
  return new Date(time);
}
