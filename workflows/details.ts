import type { DriftSummary } from '../domain/drift-summary.js';
import type { JobControl, JobProgress, PartitionProgress, ScorePartitionInput } from '../domain/job.js';
import type { PartitionControl } from './messages.js';

/*
 * The Markdown the Web UI shows as a workflow's "current details": what a person looks for first on a
 * job's page. Kept to a few lines; the full figures are in the progress query and the manifest.
 */

export function jobDetails(progress: JobProgress, control: JobControl, drift?: DriftSummary): string {
  const lines = [`**${headline(progress, control)}**`];
  if (progress.shardsPlanned > 0) {
    lines.push(
      `shards: ${n(progress.shardsDone)} done, ${n(progress.shardsFailed)} failed, ${n(progress.shardsRunning)} running, of ${n(progress.shardsPlanned)} (${percent(progress.shardsDone + progress.shardsFailed, progress.shardsPlanned)})`,
      `rows scored: ${n(progress.rowsScored)} of ${n(progress.rowsPlanned)}`,
    );
  }
  lines.push(`concurrency: ${n(control.concurrency)}`);
  if (drift) lines.push(`drift: ${driftLine(drift)}`);
  return lines.join('\n\n');
}

export function partitionDetails(
  input: ScorePartitionInput,
  progress: PartitionProgress,
  control: PartitionControl,
): string {
  const shards = input.end - input.start;
  const state = control.paused ? 'paused' : 'scoring';
  return [
    `**${state}** shards [${n(input.start)}, ${n(input.end)}) of job ${input.jobId}`,
    `shards: ${n(progress.shardsDone)} done, ${n(progress.shardsFailed)} failed, ${n(progress.shardsRunning)} running, of ${n(shards)}`,
    `rows scored: ${n(progress.rowsScored)}; concurrency share: ${control.concurrency}`,
  ].join('\n\n');
}

export function finishedDetails(
  status: string,
  rowsScored: number,
  rowsFailed: number,
  drift: DriftSummary,
): string {
  return [
    `**${status}**`,
    `rows scored: ${n(rowsScored)}, rows in failed shards: ${n(rowsFailed)}`,
    `drift: ${driftLine(drift)}`,
  ].join('\n\n');
}

function headline(progress: JobProgress, control: JobControl): string {
  if (control.paused && progress.phase === 'scoring')
    return `paused${control.pauseReason ? `: ${control.pauseReason}` : ''}`;
  return progress.phase;
}

function driftLine(drift: DriftSummary): string {
  const verdict = drift.verdict.replace(/_/g, ' ');
  if (drift.reason) return `${verdict} (${drift.reason})`;
  const named = drift.driftedFeatures.slice(0, 5).join(', ');
  return `${verdict}: ${drift.driftedFeatures.length} of ${drift.tested} features drifted${named ? ` (${named})` : ''}`;
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '0%';
}

/** Thousands separators without Intl, which a workflow should not lean on for output people compare. */
function n(value: number): string {
  return String(Math.round(value)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
