import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptions,
  type ScheduleOverlapPolicy,
  type ScheduleSpec,
} from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { JobSpecLike } from '../domain/job.js';
import { parseJobSpec, type JobSpecInput } from '../domain/job-spec.js';
import { isTimeZone } from '../domain/path-templates.js';
import { nextDay, startOfDay } from '../domain/zoned-time.js';
import { ScheduleError } from './errors.js';

export type OverlapPolicy =
  'skip' | 'buffer-one' | 'buffer-all' | 'cancel-other' | 'terminate-other' | 'allow-all';
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = [
  'skip',
  'buffer-one',
  'buffer-all',
  'cancel-other',
  'terminate-other',
  'allow-all',
];

export interface CreateScheduleOptions {
  scheduleId: string;
  /** The job each run starts; input and output may hold date templates ({{date}}, {{date-1}}, ...). */
  job: JobSpecInput;
  /** A cron expression, e.g. "0 2 * * *" for 02:00 every day. Give this or `every`. */
  cron?: string;
  /** An interval, e.g. "1 day" or "6h". */
  every?: string;
  /** IANA zone of `cron` and of the date templates (default UTC). */
  timeZone?: string;
  /** What a run does when the previous one is still going (default skip). */
  overlap?: OverlapPolicy;
  /** How late a run missed while the cluster was down may still start (default 1 day). */
  catchupWindow?: string;
  note?: string;
  paused?: boolean;
}

export type UpdateScheduleOptions = Partial<Omit<CreateScheduleOptions, 'scheduleId' | 'paused' | 'job'>> & {
  /** Fields of the job to change; the rest stay. */
  job?: Partial<JobSpecInput>;
};

export interface BackfillOptions {
  /** First date to score, YYYY-MM-DD in the schedule's time zone. */
  from: string;
  /** Last date, inclusive. */
  to: string;
  /** Default buffer-all: the runs go one after another, each for its own date. */
  overlap?: OverlapPolicy;
}

export interface ScheduleInfo {
  scheduleId: string;
  job: JobSpecInput;
  cron?: string;
  every?: string;
  timeZone: string;
  overlap: OverlapPolicy;
  catchupWindowSeconds: number;
  paused: boolean;
  note?: string;
  nextRuns: Date[];
  recentRuns: { scheduledAt: Date; jobId: string }[];
  runningJobs: string[];
  runsTaken: number;
  runsSkippedForOverlap: number;
}

/**
 * The timing as written, kept in the action's memo (which, unlike the schedule's own memo, an update can
 * change), so describe shows "0 2 * * *" rather than the calendar the server expands it to. Each run's
 * memo carries it too.
 */
interface ScheduleMemo {
  cron?: string;
  every?: string;
  timeZone: string;
}
const MEMO_KEY = 'batchScore';
const WORKFLOW_TYPE = 'scoreJob';

/**
 * Nightly (or any) schedules of scoring jobs, on Temporal Schedules. Each run is a job whose id is the
 * schedule id plus the scheduled time, and whose date templates resolve from that scheduled time.
 */
export class JobSchedules {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async create(options: CreateScheduleOptions): Promise<ScheduleInfo> {
    const timeZone = options.timeZone ?? 'UTC';
    const job = checkJob({ ...options.job, timeZone: options.job.timeZone ?? timeZone }, options.scheduleId);
    const memo: ScheduleMemo = { cron: options.cron, every: options.every, timeZone };
    const schedule: ScheduleOptions = {
      scheduleId: options.scheduleId,
      spec: timing(options.scheduleId, options.cron, options.every, timeZone),
      action: {
        type: 'startWorkflow',
        workflowType: WORKFLOW_TYPE,
        workflowId: options.scheduleId,
        taskQueue: this.taskQueue,
        args: [job],
        staticSummary: `scheduled ${options.scheduleId}: score ${job.input} with ${job.model}`,
        memo: { [MEMO_KEY]: memo },
      },
      policies: {
        overlap: overlapPolicy(options.overlap ?? 'skip'),
        catchupWindow: (options.catchupWindow ?? '1 day') as Duration,
      },
      state: { paused: options.paused ?? false, note: options.note },
    };
    try {
      await this.client.schedule.create(schedule);
    } catch (error) {
      if (error instanceof ScheduleAlreadyRunning)
        throw new ScheduleError(`schedule ${options.scheduleId} exists already; update or delete it`);
      throw invalidTiming(options.scheduleId, options.cron, error);
    }
    return this.describe(options.scheduleId);
  }

  async update(scheduleId: string, changes: UpdateScheduleOptions): Promise<ScheduleInfo> {
    const before = await this.describe(scheduleId);
    const timeZone = changes.timeZone ?? before.timeZone;
    const retimed =
      changes.cron !== undefined || changes.every !== undefined || changes.timeZone !== undefined;
    const cron = changes.every !== undefined ? changes.cron : (changes.cron ?? before.cron);
    const every = changes.cron !== undefined ? changes.every : (changes.every ?? before.every);
    const job = checkJob(
      {
        ...before.job,
        ...changes.job,
        ...(changes.timeZone !== undefined ? { timeZone: changes.timeZone } : {}),
      },
      scheduleId,
    );
    await this.call(scheduleId, (handle) =>
      handle.update((previous) => ({
        ...previous,
        spec: retimed ? timing(scheduleId, cron, every, timeZone) : previous.spec,
        action: {
          ...previous.action,
          args: [job as unknown as JobSpecLike],
          staticSummary: `scheduled ${scheduleId}: score ${job.input} with ${job.model}`,
          memo: { ...previous.action.memo, [MEMO_KEY]: { cron, every, timeZone } satisfies ScheduleMemo },
        },
        policies: {
          ...previous.policies,
          ...(changes.overlap ? { overlap: overlapPolicy(changes.overlap) } : {}),
          ...(changes.catchupWindow ? { catchupWindow: changes.catchupWindow as Duration } : {}),
        },
        state: { ...previous.state, ...(changes.note !== undefined ? { note: changes.note } : {}) },
      })),
    ).catch((error: unknown) => {
      throw invalidTiming(scheduleId, cron, error);
    });
    return this.describe(scheduleId);
  }

  async describe(scheduleId: string): Promise<ScheduleInfo> {
    return toInfo(await this.call(scheduleId, (h) => h.describe()));
  }

  /** Every schedule that starts scoring jobs. */
  async list(): Promise<ScheduleInfo[]> {
    const found: ScheduleInfo[] = [];
    for await (const summary of this.client.schedule.list()) {
      if (summary.action?.workflowType !== WORKFLOW_TYPE) continue;
      found.push(await this.describe(summary.scheduleId));
    }
    return found.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
  }

  pause(scheduleId: string, note?: string): Promise<void> {
    return this.call(scheduleId, (h) => h.pause(note ?? 'paused with batch-score'));
  }

  unpause(scheduleId: string, note?: string): Promise<void> {
    return this.call(scheduleId, (h) => h.unpause(note ?? 'unpaused with batch-score'));
  }

  /** Runs the schedule now. By default the schedule's own overlap policy applies, so a run still going wins. */
  async trigger(scheduleId: string, overlap?: OverlapPolicy): Promise<void> {
    const policy = overlap ?? (await this.describe(scheduleId)).overlap;
    await this.call(scheduleId, (h) => h.trigger(overlapPolicy(policy)));
  }

  /**
   * Starts the runs the schedule would have started on each date from `from` to `to` (inclusive, in its
   * time zone); each resolves its date templates from its own scheduled time.
   */
  async backfill(scheduleId: string, options: BackfillOptions): Promise<void> {
    const { timeZone } = await this.describe(scheduleId);
    let start: Date;
    let end: Date;
    try {
      start = startOfDay(options.from, timeZone);
      end = new Date(startOfDay(nextDay(options.to), timeZone).getTime() - 1000);
    } catch (error) {
      throw new ScheduleError(`backfill ${scheduleId}: ${(error as Error).message}`, true);
    }
    if (end < start)
      throw new ScheduleError(
        `backfill ${scheduleId}: --to ${options.to} is before --from ${options.from}`,
        true,
      );
    await this.call(scheduleId, (h) =>
      h.backfill({ start, end, overlap: overlapPolicy(options.overlap ?? 'buffer-all') }),
    );
  }

  delete(scheduleId: string): Promise<void> {
    return this.call(scheduleId, (h) => h.delete());
  }

  private handle(scheduleId: string): ScheduleHandle {
    return this.client.schedule.getHandle(scheduleId);
  }

  private async call<T>(scheduleId: string, action: (handle: ScheduleHandle) => Promise<T>): Promise<T> {
    try {
      return await action(this.handle(scheduleId));
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) throw new ScheduleError(`no schedule named ${scheduleId}`);
      throw error;
    }
  }
}

function checkJob(job: JobSpecInput, scheduleId: string): JobSpecInput {
  try {
    parseJobSpec(job);
  } catch (error) {
    throw new ScheduleError(`schedule ${scheduleId}: ${(error as Error).message}`, true);
  }
  return job;
}

/** The SDK parses cron strings itself and throws a bare TypeError; say which schedule and which cron. */
function invalidTiming(scheduleId: string, cron: string | undefined, error: unknown): unknown {
  if (error instanceof TypeError && cron !== undefined)
    return new ScheduleError(`schedule ${scheduleId}: cron "${cron}": ${error.message}`, true);
  return error;
}

function timing(
  scheduleId: string,
  cron: string | undefined,
  every: string | undefined,
  timeZone: string,
): ScheduleSpec {
  if ((cron === undefined) === (every === undefined))
    throw new ScheduleError(`schedule ${scheduleId}: give exactly one of cron or every`);
  if (!isTimeZone(timeZone))
    throw new ScheduleError(`schedule ${scheduleId}: unknown time zone "${timeZone}"`);
  return cron !== undefined
    ? { cronExpressions: [cron], timezone: timeZone }
    : { intervals: [{ every: every as Duration }], timezone: timeZone };
}

function overlapPolicy(policy: OverlapPolicy): ScheduleOverlapPolicy {
  if (!OVERLAP_POLICIES.includes(policy))
    throw new ScheduleError(`unknown overlap policy "${policy}" (${OVERLAP_POLICIES.join(', ')})`, true);
  return policy.toUpperCase().replace('-', '_') as ScheduleOverlapPolicy;
}

function toInfo(description: ScheduleDescription): ScheduleInfo {
  const action = description.action;
  const memo = (action.memo?.[MEMO_KEY] ?? {}) as Partial<ScheduleMemo>;
  const job = (action.args?.[0] ?? {}) as JobSpecInput;
  return {
    scheduleId: description.scheduleId,
    job,
    cron: memo.cron,
    every: memo.every,
    timeZone: description.spec.timezone ?? memo.timeZone ?? 'UTC',
    overlap: (description.policies.overlap ?? 'SKIP').toLowerCase().replace('_', '-') as OverlapPolicy,
    catchupWindowSeconds: Math.round(description.policies.catchupWindow / 1000),
    paused: description.state.paused,
    note: description.state.note,
    nextRuns: description.info.nextActionTimes,
    recentRuns: description.info.recentActions.map((a) => ({
      scheduledAt: a.scheduledAt,
      jobId: a.action.workflow.workflowId,
    })),
    runningJobs: description.info.runningActions.map((a) => a.workflow.workflowId),
    runsTaken: description.info.numActionsTaken,
    runsSkippedForOverlap: description.info.numActionsSkippedOverlap,
  };
}
