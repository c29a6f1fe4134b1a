import {
  OVERLAP_POLICIES,
  ScheduleError,
  type CreateScheduleOptions,
  type JobSpec,
  type OverlapPolicy,
  type ScheduleInfo,
} from '../client/index.js';
import { MAX_CONCURRENCY } from '../domain/job-spec.js';
import {
  absolute,
  list,
  parse,
  positiveInt,
  required,
  stripUndefined,
  wholeNumber,
  UsageError,
} from './args.js';
import { connectToCluster } from './cluster.js';

export const SCHEDULE_HELP = `batch-score schedule <action> <schedule-id> [options]

Nightly (or any) scoring jobs on Temporal Schedules, on a running cluster (TEMPORAL_ADDRESS, or
"batch-score server" on 127.0.0.1:7233) where "batch-score worker" processes run.

  schedule create <id> --input URI --model DIR --output URI (--cron "0 2 * * *" | --every 1d) [options]
  schedule update <id> [any create option]       change only what is given
  schedule describe <id> [--json]
  schedule list [--json]
  schedule pause <id> [--note TEXT]               no runs until unpaused; the note says why
  schedule unpause <id> [--note TEXT]
  schedule trigger <id> [--overlap P]             run now (the schedule's overlap policy by default)
  schedule backfill <id> --from 2026-11-01 --to 2026-11-07 [--overlap P]
                                                  the runs of those dates, one after another
  schedule delete <id>

Date templates in --input and --output resolve from each run's scheduled time (never the wall clock),
in the schedule's time zone: {{date}} (2026-11-01), {{date-1}} (the day before), {{yyyy}} {{mm}} {{dd}}
{{hh}}. A run's job id is <schedule id>-<scheduled time>.

Create/update options:
  --cron EXPR            cron expression (minute hour day-of-month month day-of-week)
  --every DURATION       interval instead of cron: 1d, 6h, 30m
  --tz ZONE              IANA time zone of the cron and the templates (default UTC)
  --overlap P            when the previous run is still going: ${OVERLAP_POLICIES.join(', ')} (default skip)
  --catchup-window D     how late a run missed while the cluster was down still starts (default 1 day)
  --note TEXT            a note shown with the schedule
  --paused               create it paused
  --concurrency N  --shard-rows N  --max-failed-shards N  --id-columns a,b   as for "batch-score score"

Exit codes: 0 done, 1 the cluster refused (e.g. no such schedule), 2 bad options (flag, cron, time zone,
template or dates named).`;

const OPTIONS = {
  input: { type: 'string' },
  model: { type: 'string' },
  output: { type: 'string' },
  cron: { type: 'string' },
  every: { type: 'string' },
  tz: { type: 'string' },
  overlap: { type: 'string' },
  'catchup-window': { type: 'string' },
  note: { type: 'string' },
  paused: { type: 'boolean' },
  concurrency: { type: 'string' },
  'shard-rows': { type: 'string' },
  'max-failed-shards': { type: 'string' },
  'id-columns': { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  json: { type: 'boolean' },
  'task-queue': { type: 'string' },
} as const;

export async function scheduleCommand(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h') {
    console.log(SCHEDULE_HELP);
    return action ? 0 : 2;
  }
  const { values, positionals } = parse(rest, OPTIONS, true);
  if (values.help) {
    console.log(SCHEDULE_HELP);
    return 0;
  }
  const id = positionals[0];
  if (action !== 'list' && !id) throw new UsageError(`schedule ${action} needs a schedule id`);
  const overlap = overlapFlag(values.overlap);
  const schedules = await connectToCluster(values['task-queue']);
  try {
    switch (action) {
      case 'create': {
        required(values, ['input', 'model', 'output']);
        if (!values.cron === !values.every) throw new UsageError('give exactly one of --cron and --every');
        const info = await schedules.schedules.create({
          scheduleId: id!,
          job: stripUndefined<JobSpec>({
            ...jobFields(values),
            input: absolute(values.input!),
            model: absolute(values.model!),
            output: absolute(values.output!),
          }),
          cron: values.cron,
          every: values.every,
          timeZone: values.tz,
          overlap,
          catchupWindow: values['catchup-window'],
          note: values.note,
          paused: values.paused,
        } satisfies CreateScheduleOptions);
        print(info, values.json);
        return 0;
      }
      case 'update': {
        if (values.cron && values.every) throw new UsageError('give at most one of --cron and --every');
        const info = await schedules.schedules.update(id!, {
          job: stripUndefined({
            ...jobFields(values),
            input: values.input && absolute(values.input),
            model: values.model && absolute(values.model),
            output: values.output && absolute(values.output),
          }),
          cron: values.cron,
          every: values.every,
          timeZone: values.tz,
          overlap,
          catchupWindow: values['catchup-window'],
          note: values.note,
        });
        print(info, values.json);
        return 0;
      }
      case 'describe':
        print(await schedules.schedules.describe(id!), values.json);
        return 0;
      case 'list': {
        const all = await schedules.schedules.list();
        if (values.json) console.log(JSON.stringify(all));
        else if (all.length === 0) console.log('no schedules');
        else for (const info of all) console.log(oneLine(info));
        return 0;
      }
      case 'pause':
        await schedules.schedules.pause(id!, values.note);
        console.log(`schedule ${id}: paused${values.note ? ` (${values.note})` : ''}`);
        return 0;
      case 'unpause':
        await schedules.schedules.unpause(id!, values.note);
        console.log(`schedule ${id}: running`);
        return 0;
      case 'trigger':
        await schedules.schedules.trigger(id!, overlap);
        console.log(`schedule ${id}: triggered`);
        return 0;
      case 'backfill':
        required(values, ['from', 'to']);
        await schedules.schedules.backfill(id!, { from: values.from!, to: values.to!, overlap });
        console.log(`schedule ${id}: backfill ${values.from}..${values.to} requested`);
        return 0;
      case 'delete':
        await schedules.schedules.delete(id!);
        console.log(`schedule ${id}: deleted (jobs it started are not affected)`);
        return 0;
      default:
        throw new UsageError(`unknown schedule action "${action}"`);
    }
  } catch (error) {
    if (error instanceof ScheduleError) {
      process.stderr.write(`batch-score schedule ${action}: ${error.message}\n`);
      return error.invalid ? 2 : 1;
    }
    throw error;
  } finally {
    await schedules.close();
  }
}

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

function jobFields(values: Values): Partial<JobSpec> {
  return {
    idColumns: list(values['id-columns']),
    shardRows: positiveInt(values['shard-rows'], 'shard-rows'),
    concurrency: wholeNumber(values.concurrency, 'concurrency', 1, MAX_CONCURRENCY),
    maxFailedShards: wholeNumber(values['max-failed-shards'], 'max-failed-shards', 0),
  };
}

function overlapFlag(value: string | undefined): OverlapPolicy | undefined {
  if (value === undefined) return undefined;
  if (!(OVERLAP_POLICIES as readonly string[]).includes(value))
    throw new UsageError(`--overlap ${value}: expected one of ${OVERLAP_POLICIES.join(', ')}`);
  return value as OverlapPolicy;
}

function print(info: ScheduleInfo, json: boolean | undefined): void {
  if (json) {
    console.log(JSON.stringify(info));
    return;
  }
  const lines = [
    oneLine(info),
    `  job: ${info.job.input} -> ${info.job.output} with ${info.job.model}`,
    `  overlap: ${info.overlap}; catch-up window ${info.catchupWindowSeconds}s; runs taken ${info.runsTaken}, skipped for overlap ${info.runsSkippedForOverlap}`,
    ...(info.note ? [`  note: ${info.note}`] : []),
    `  next: ${
      info.nextRuns
        .slice(0, 3)
        .map((d) => d.toISOString())
        .join(', ') || '-'
    }`,
    ...info.runningJobs.map((j) => `  running: ${j}`),
    ...info.recentRuns.slice(-5).map((r) => `  recent: ${r.scheduledAt.toISOString()} ${r.jobId}`),
  ];
  console.log(lines.join('\n'));
}

function oneLine(info: ScheduleInfo): string {
  const timing = info.cron ? `cron "${info.cron}"` : info.every ? `every ${info.every}` : 'custom timing';
  return `${info.scheduleId}: ${timing} ${info.timeZone}${info.paused ? ' [paused]' : ''}`;
}
