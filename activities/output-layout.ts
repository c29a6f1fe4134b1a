import type { Storage } from '../storage/index.js';

/** Where a job's files go under its output folder (documented in the README's "Outputs" section). */
export function outputLayout(storage: Storage, output: string) {
  const work = storage.join(output, '_work');
  return {
    predictions: storage.join(output, 'predictions'),
    part: (shardId: string) => storage.join(output, 'predictions', `part-${shardId}.parquet`),
    manifest: storage.join(output, 'manifest.json'),
    driftReport: storage.join(output, 'drift', 'report.json'),
    driftReportHtml: storage.join(output, 'drift', 'report.html'),
    work,
    job: storage.join(work, 'job.json'),
    plan: storage.join(work, 'plan'),
    planPage: (page: number) => storage.join(work, 'plan', `shards-${String(page).padStart(6, '0')}.json`),
    planIndex: storage.join(work, 'plan', 'plan.json'),
    shardRecord: (shardId: string) => storage.join(work, 'shards', `${shardId}.json`),
    errors: storage.join(output, 'errors'),
    shardError: (shardId: string) => storage.join(output, 'errors', `${shardId}.json`),
  };
}

export const PLAN_PAGE_SHARDS = 1000;
