import { cpSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { mapBounded } from '../../activities/map-bounded.js';
import { planJob, type PlanProgress } from '../../activities/plan-job.js';
import { StorageAccessError } from '../../domain/errors.js';
import type { PlanJobInput, PlanJobResult } from '../../domain/job.js';
import { ModelCache } from '../../inference/model-cache.js';
import { storageFor } from '../../storage/index.js';
import type { RangeReader, Storage } from '../../storage/storage.js';
import { AI4I_MODEL, ROOT, tempDir } from '../helpers/paths.js';
import { writeSmallParquet } from '../scale/small-parquet.js';

/**
 * Planning reads footers concurrently (a bounded number at once) and must still produce exactly the plan a
 * one-by-one read produces: files in listing order, the same shards, the same error messages naming the
 * same files.
 */
const FIXTURES = path.join(ROOT, 'test', 'fixtures');
/** Files of 1 to 4 row groups; planned with shardRows 1, every row group is a shard: 1,050 shards, 2 pages. */
const FILES = 420;
const SHARDS = 1_050;
const models = new ModelCache(storageFor);
afterAll(() => models.dispose());

/** `count` files whose row-group layouts all differ, so any reordering changes the plan. */
function manySmallFiles(count: number): string {
  const dir = tempDir('plan-many');
  let udi = 1;
  for (let i = 0; i < count; i++) {
    const groups = (i % 4) + 1;
    const rows = 10 + ((i * 7) % 13) * 10;
    writeSmallParquet(path.join(dir, `part-${String(i).padStart(4, '0')}.parquet`), groups, rows, udi);
    udi += groups * rows;
  }
  return dir;
}

/** Storage that records how many files are open at once, and fails opening the files it is told to. */
function observedStorage(failOpening: ReadonlySet<string> = new Set()) {
  const base = storageFor('/');
  const stats = { open: 0, maxOpen: 0, opened: 0 };
  const storage: Storage = Object.create(base) as Storage;
  storage.openRead = async (uri: string): Promise<RangeReader> => {
    stats.opened++;
    if (failOpening.has(path.basename(uri)))
      throw new StorageAccessError(`open ${uri}: EACCES: permission denied`);
    const reader = await base.openRead(uri);
    stats.open++;
    stats.maxOpen = Math.max(stats.maxOpen, stats.open);
    // Hold the file a moment, as a blob round trip would, so reads overlap.
    await new Promise((r) => setTimeout(r, 2));
    return {
      uri: reader.uri,
      size: reader.size,
      read: (start, end) => reader.read(start, end),
      close: async () => {
        stats.open--;
        await reader.close();
      },
    };
  };
  return { storage, stats };
}

interface PlanRun {
  footerReads?: number;
  storage?: Storage;
  signal?: AbortSignal;
  onHeartbeat?: (progress: PlanProgress) => void;
}

async function plan(input: string, options: PlanRun = {}) {
  const output = tempDir('plan-out');
  const spec: PlanJobInput = { jobId: 'plan', input, model: AI4I_MODEL, output, shardRows: 1 };
  const storage = options.storage ?? storageFor(input);
  const heartbeats: PlanProgress[] = [];
  const result: PlanJobResult = await new MockActivityEnvironment().run(() =>
    planJob(() => storage, models, spec, {
      hooks: {
        heartbeat: (p) => {
          heartbeats.push(p);
          options.onHeartbeat?.(p);
        },
        ...(options.signal ? { signal: options.signal } : {}),
      },
      ...(options.footerReads ? { footerReads: options.footerReads } : {}),
    }),
  );
  const planDir = path.join(output, '_work', 'plan');
  const files = Object.fromEntries(
    readdirSync(planDir)
      .sort()
      .map((f) => [f, readFileSync(path.join(planDir, f), 'utf8')]),
  );
  const { planUri: _planUri, ...summary } = result;
  return { result: summary, files, heartbeats };
}

async function planError(input: string, options: PlanRun = {}): Promise<Error> {
  try {
    await plan(input, options);
  } catch (error) {
    return error as Error;
  }
  throw new Error('planning succeeded');
}

describe('mapBounded', () => {
  it('keeps the items order whatever order calls finish in, with at most `limit` running', async () => {
    let running = 0;
    let most = 0;
    const delays = [30, 5, 20, 1, 15, 0, 25, 10, 3, 8];
    const out = await mapBounded(delays, 3, async (ms, i) => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, ms));
      running--;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(most).toBe(3);
  });

  it('throws the earliest failing item, starts nothing after a failure, and awaits the running ones', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const error = await mapBounded(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      async (i) => {
        started.push(i);
        // Item 3 fails late, item 5 fails early: the earliest item's failure is the one a loop would meet.
        await new Promise((r) => setTimeout(r, i === 3 ? 20 : 1));
        if (i === 3 || i === 5) throw new Error(`item ${i}`);
        finished.push(i);
      },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe('item 3');
    expect(Math.max(...started)).toBeLessThan(10);
    expect(started.length).toBe(finished.length + 2);
  });

  it('stops when the signal aborts and rejects with its reason', async () => {
    const controller = new AbortController();
    let calls = 0;
    const error = await mapBounded(
      Array.from({ length: 100 }, (_, i) => i),
      2,
      async (i) => {
        calls++;
        if (i === 9) controller.abort(new Error('cancelled'));
        await new Promise((r) => setTimeout(r, 1));
      },
      { signal: controller.signal },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe('cancelled');
    expect(calls).toBeLessThanOrEqual(11);
  });

  it('rejects a limit below 1', async () => {
    await expect(mapBounded([1], 0, async (x) => x)).rejects.toThrow(
      'limit must be a whole number >= 1, got 0',
    );
  });
});

describe('planning with concurrent footer reads', () => {
  const input = manySmallFiles(FILES);

  it('writes exactly the plan a one-by-one read writes, files in listing order', async () => {
    const sequential = await plan(input, { footerReads: 1 });
    const { storage, stats } = observedStorage();
    const concurrent = await plan(input, { footerReads: 16, storage });
    expect(stats.maxOpen).toBeGreaterThan(1);
    expect(stats.maxOpen).toBeLessThanOrEqual(16);
    expect(concurrent.result).toEqual(sequential.result);
    expect(Object.keys(concurrent.files)).toEqual(['plan.json', 'shards-000000.json', 'shards-000001.json']);
    // Byte-identical plan files (the job id and output folder are the same spec fields in both runs).
    const index = JSON.parse(concurrent.files['plan.json']!) as {
      files: Array<{ uri: string }>;
      shards: number;
    };
    expect(concurrent.files).toEqual(sequential.files);
    expect(index.files.map((f) => path.basename(f.uri))).toEqual(
      Array.from({ length: FILES }, (_, i) => `part-${String(i).padStart(4, '0')}.parquet`),
    );
    expect(index.shards).toBe(SHARDS);
    expect(sequential.result.rows).toBe(
      Array.from({ length: FILES }, (_, i) => ((i % 4) + 1) * (10 + ((i * 7) % 13) * 10)).reduce(
        (a, b) => a + b,
      ),
    );
  });

  it('the default reads 16 footers at once', async () => {
    const { storage, stats } = observedStorage();
    await plan(input, { storage });
    expect(stats.maxOpen).toBe(16);
    expect(stats.opened).toBe(FILES);
  });

  it('heartbeats while listing, after every footer and after every plan page', async () => {
    const { heartbeats } = await plan(input, { footerReads: 8 });
    expect(heartbeats[0]).toEqual({ phase: 'listing' });
    const footers = heartbeats.filter((h) => h.phase === 'footers');
    expect(footers.map((h) => (h.phase === 'footers' ? h.filesRead : 0))).toEqual(
      Array.from({ length: FILES }, (_, i) => i + 1),
    );
    expect(footers.every((h) => h.phase === 'footers' && h.files === FILES)).toBe(true);
    expect(heartbeats.at(-1)).toEqual({ phase: 'writing-plan', pagesWritten: 2, pages: 2 });
  });

  it('names every bad file, in listing order, exactly as a one-by-one read does', async () => {
    const dir = tempDir('plan-bad');
    cpSync(input, dir, { recursive: true });
    cpSync(path.join(FIXTURES, 'not-parquet.parquet'), path.join(dir, 'part-0007a.parquet'));
    cpSync(path.join(FIXTURES, 'truncated.parquet'), path.join(dir, 'part-0050a.parquet'));
    cpSync(path.join(FIXTURES, 'missing-feature.parquet'), path.join(dir, 'part-0099a.parquet'));
    const sequential = await planError(dir, { footerReads: 1 });
    const concurrent = await planError(dir, { footerReads: 16 });
    expect(concurrent.name).toBe('SchemaMismatchError');
    expect(concurrent.message).toBe(sequential.message);
    const lines = concurrent.message.split('\n');
    expect(lines[0]).toBe(`3 of ${FILES + 3} input files cannot be scored:`);
    expect(lines[1]).toContain(`${path.join(dir, 'part-0007a.parquet')} is not a Parquet file`);
    expect(lines[2]).toContain(path.join(dir, 'part-0050a.parquet'));
    expect(lines[3]).toContain(`${path.join(dir, 'part-0099a.parquet')}: missing feature column`);
  });

  it('a storage error stops planning and names the first failing file in listing order', async () => {
    const fail = new Set(['part-0031.parquet', 'part-0030.parquet', 'part-0090.parquet']);
    const sequential = await planError(input, { footerReads: 1, storage: observedStorage(fail).storage });
    const { storage, stats } = observedStorage(fail);
    const concurrent = await planError(input, { footerReads: 16, storage });
    expect(concurrent).toBeInstanceOf(StorageAccessError);
    expect(concurrent.message).toBe(
      `open ${path.join(input, 'part-0030.parquet')}: EACCES: permission denied`,
    );
    expect(concurrent.message).toBe(sequential.message);
    // No new reads after the failure, and every file opened was closed.
    expect(stats.opened).toBeLessThan(30 + 16 + 1);
    expect(stats.open).toBe(0);
  });

  it('a cancelled planning attempt stops reading footers and rejects with the cancellation', async () => {
    const controller = new AbortController();
    const { storage, stats } = observedStorage();
    const error = await planError(input, {
      footerReads: 4,
      storage,
      signal: controller.signal,
      onHeartbeat: (p) => {
        if (p.phase === 'footers' && p.filesRead === 10) controller.abort(new Error('activity cancelled'));
      },
    });
    expect(error.message).toBe('activity cancelled');
    // The 4 reads running at the abort finish; nothing new starts.
    expect(stats.opened).toBeLessThanOrEqual(10 + 3);
    expect(stats.open).toBe(0);
  });
});
