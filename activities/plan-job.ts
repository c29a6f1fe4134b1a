import { Context, log } from '@temporalio/activity';
import {
  CorruptParquetError,
  InputNotFoundError,
  NotParquetError,
  SchemaMismatchError,
} from '../domain/errors.js';
import type { PlanJobInput, PlanJobResult } from '../domain/job.js';
import { planShards, type PlannedFile, type Shard } from '../domain/shard-plan.js';
import type { ModelCache } from '../inference/model-cache.js';
import { ParquetFile } from '../parquet/reader.js';
import { isNumericKind } from '../parquet/schema.js';
import type { ObjectInfo, Storage } from '../storage/index.js';
import { heartbeatWhile } from './heartbeat-while.js';
import { mapBounded } from './map-bounded.js';
import { outputLayout, PLAN_PAGE_SHARDS } from './output-layout.js';

/**
 * Footers read at once. Planning is latency-bound (two small ranged reads per file), so on blob storage a
 * few dozen requests in flight cut a 10,000-file plan from minutes to seconds; more buys little and risks
 * throttling.
 */
export const DEFAULT_FOOTER_READS = 16;

/** What planning heartbeats: the phase, and how far it is. */
export type PlanProgress =
  | { phase: 'listing' }
  | { phase: 'footers'; filesRead: number; files: number }
  | { phase: 'writing-plan'; pagesWritten: number; pages: number };

export interface PlanHooks {
  heartbeat(progress: PlanProgress): void;
  /** Aborted when the activity is cancelled (job cancelled, or the worker shutting down past its grace). */
  signal?: AbortSignal;
}

export interface PlanOptions {
  /** Footers read at once (default DEFAULT_FOOTER_READS); 1 reads them one by one. */
  footerReads?: number;
  /** Default: the current activity's heartbeat and cancellation signal. */
  hooks?: PlanHooks;
}

export interface PlanIndex {
  jobId: string;
  files: PlannedFile[];
  shards: number;
  rows: number;
  pageShards: number;
}

/**
 * Lists the input, reads every footer, checks every file against the model, and stores the shard plan in
 * the output folder. Nothing is scored until every file passes.
 */
export async function planJob(
  storageFor: (uri: string) => Storage,
  models: ModelCache,
  input: PlanJobInput,
  options: PlanOptions = {},
): Promise<PlanJobResult> {
  const hooks = options.hooks ?? activityHooks();
  const concurrency = options.footerReads ?? DEFAULT_FOOTER_READS;
  const model = await models.get(input.model);
  const idColumns = input.idColumns ?? model.contract.idColumns;
  const inputStorage = storageFor(input.input);
  const objects = await heartbeatWhile(inputStorage.list(input.input, '.parquet'), () =>
    hooks.heartbeat({ phase: 'listing' }),
  );
  if (objects.length === 0) throw new InputNotFoundError(`input ${input.input}: no .parquet files found`);

  // In listing order (sorted by URI) whatever order the reads finish in: the plan and its messages are
  // the same as a one-by-one read's.
  const checked = await mapBounded(
    objects,
    concurrency,
    (object) => checkFile(inputStorage, object, model, idColumns),
    {
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      onSettled: (filesRead) => hooks.heartbeat({ phase: 'footers', filesRead, files: objects.length }),
    },
  );
  const files: PlannedFile[] = [];
  const problems: Error[] = [];
  for (const outcome of checked) {
    if (outcome instanceof Error) problems.push(outcome);
    else files.push(outcome);
  }
  // A message people read: the first files in full, then a count (a 10,000-file mismatch is one cause).
  const SHOWN = 10;
  if (problems.length > 0) {
    const lines = problems
      .slice(0, SHOWN)
      .map((p) => `  - ${p.message}`)
      .concat(problems.length > SHOWN ? [`  - and ${problems.length - SHOWN} more files`] : [])
      .join('\n');
    const message = `${problems.length} of ${objects.length} input files cannot be scored:\n${lines}`;
    // The job's error type is the problems' own when they share one.
    if (problems.every((p) => p instanceof NotParquetError)) throw new NotParquetError(message);
    if (problems.every((p) => p instanceof CorruptParquetError)) throw new CorruptParquetError(message);
    throw new SchemaMismatchError(message);
  }

  const shards = planShards(files, input.shardRows);
  const rows = files.reduce((n, f) => n + f.rowGroupRows.reduce((a, b) => a + b, 0), 0);
  const outputStorage = storageFor(input.output);
  const layout = outputLayout(outputStorage, input.output);
  await resetOutputForJob(outputStorage, layout, input.jobId);
  const pages = Array.from({ length: Math.ceil(shards.length / PLAN_PAGE_SHARDS) }, (_, page) => page);
  await mapBounded(
    pages,
    concurrency,
    (page) =>
      outputStorage.writeAll(
        layout.planPage(page),
        JSON.stringify(shards.slice(page * PLAN_PAGE_SHARDS, (page + 1) * PLAN_PAGE_SHARDS)),
      ),
    {
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      onSettled: (pagesWritten) =>
        hooks.heartbeat({ phase: 'writing-plan', pagesWritten, pages: pages.length }),
    },
  );
  const index: PlanIndex = {
    jobId: input.jobId,
    files,
    shards: shards.length,
    rows,
    pageShards: PLAN_PAGE_SHARDS,
  };
  await outputStorage.writeAll(layout.planIndex, JSON.stringify(index));
  log.info('planned job', { jobId: input.jobId, files: files.length, shards: shards.length, rows });
  return {
    planUri: layout.planIndex,
    files: files.length,
    shards: shards.length,
    rows,
    model: {
      folder: input.model,
      name: model.contract.name,
      version: model.contract.version,
      sha256: model.sha256,
    },
    idColumns,
    features: [...model.features],
  };
}

/**
 * Reads one file's footer and checks it against the model: the planned file, or the problem that keeps it
 * from being scored (not Parquet, corrupt, wrong schema). Any other error (storage access, I/O) is thrown.
 */
async function checkFile(
  storage: Storage,
  object: ObjectInfo,
  model: Awaited<ReturnType<ModelCache['get']>>,
  idColumns: readonly string[],
): Promise<PlannedFile | Error> {
  let file: ParquetFile;
  try {
    file = await ParquetFile.open(storage, object.uri);
  } catch (error) {
    if (error instanceof NotParquetError || error instanceof CorruptParquetError) return error;
    throw error;
  }
  try {
    model.checkColumns(object.uri, file.columns);
    for (const id of idColumns) {
      const column = file.column(id);
      if (!column) throw new SchemaMismatchError(`${object.uri}: missing id column "${id}"`);
      if (
        column.kind === 'unsupported' ||
        !(isNumericKind(column.kind) || column.kind === 'string' || column.kind === 'timestamp_ms')
      ) {
        throw new SchemaMismatchError(
          `${object.uri}: id column "${id}" has type ${column.parquetType}, which cannot be carried`,
        );
      }
    }
    return { uri: object.uri, rowGroupRows: file.rowGroupRows, bytes: object.size };
  } catch (error) {
    if (error instanceof SchemaMismatchError) return error;
    throw error;
  } finally {
    await file.close();
  }
}

function activityHooks(): PlanHooks {
  const context = Context.current();
  return {
    heartbeat: (progress) => context.heartbeat(progress),
    signal: context.cancellationSignal,
  };
}

/**
 * An output folder belongs to one job. A new job id overwrites what another job left there; the same job id
 * keeps its finished parts so a re-run resumes. The manifest goes first: without it nothing looks complete.
 */
async function resetOutputForJob(storage: Storage, layout: ReturnType<typeof outputLayout>, jobId: string) {
  await storage.remove(layout.manifest);
  await storage.remove(layout.driftReport);
  await storage.remove(layout.driftReportHtml);
  const previous = await storage.stat(layout.job);
  let sameJob = false;
  if (previous) {
    const owner = JSON.parse(new TextDecoder().decode(await storage.readAll(layout.job))) as {
      jobId?: string;
    };
    sameJob = owner.jobId === jobId;
  }
  if (!sameJob) {
    await storage.remove(layout.predictions);
    await storage.remove(layout.work);
    await storage.writeAll(layout.job, JSON.stringify({ jobId }));
  } else {
    // Failures are found again by this run; stale ones would describe shards of another plan.
    await storage.remove(layout.plan);
    await storage.remove(layout.errors);
  }
}

/**
 * A page of shards for a workflow: at most this much JSON, so the activity result stays far below Temporal's
 * 2 MB payload limit (and our 512 KB guard) however long the paths are. Callers advance by what they got.
 */
export const SHARD_PAGE_BYTES = 256 * 1024;

/**
 * Shards `start` .. `start + count` of the stored plan, in order. With `maxBytes`, only as many as
 * `withinBytes` lets through.
 */
export async function loadShards(
  storage: Storage,
  output: string,
  start: number,
  count: number,
  maxBytes = Infinity,
): Promise<Shard[]> {
  const layout = outputLayout(storage, output);
  const index = JSON.parse(new TextDecoder().decode(await storage.readAll(layout.planIndex))) as PlanIndex;
  const out: Shard[] = [];
  const end = Math.min(start + count, index.shards);
  for (let page = Math.floor(start / index.pageShards); page * index.pageShards < end; page++) {
    const shards = JSON.parse(
      new TextDecoder().decode(await storage.readAll(layout.planPage(page))),
    ) as Shard[];
    const base = page * index.pageShards;
    out.push(...shards.filter((_, i) => base + i >= start && base + i < end));
  }
  return withinBytes(out, maxBytes);
}

/** The leading shards whose JSON array fits in `maxBytes`; at least one, so a caller always moves on. */
export function withinBytes(shards: Shard[], maxBytes: number): Shard[] {
  if (maxBytes === Infinity) return shards;
  let bytes = 2;
  for (let i = 0; i < shards.length; i++) {
    bytes += Buffer.byteLength(JSON.stringify(shards[i])) + 1;
    if (bytes > maxBytes && i > 0) return shards.slice(0, i);
  }
  return shards;
}
