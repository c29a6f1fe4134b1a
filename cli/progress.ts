import type { JobProgress } from '../domain/job.js';

/** One status line: shards done/total, rows/s since scoring began, and an ETA from the shard rate. */
export class ProgressLine {
  private readonly started = Date.now();
  private scoringSince: number | undefined;
  private lastPrinted = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly interactive = stream.isTTY === true,
  ) {}

  update(p: JobProgress): void {
    const now = Date.now();
    if (p.phase !== 'planning' && this.scoringSince === undefined) this.scoringSince = now;
    const seconds = this.scoringSince ? (now - this.scoringSince) / 1000 : 0;
    const rate = seconds > 0 ? p.rowsScored / seconds : 0;
    const remaining = p.rowsPlanned - p.rowsScored;
    const eta =
      rate > 0 && remaining > 0 ? `${formatDuration(remaining / rate)}` : p.phase === 'done' ? '0s' : '?';
    const width = 24;
    const fraction = p.shardsPlanned > 0 ? p.shardsDone / p.shardsPlanned : 0;
    const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
    const line =
      p.phase === 'planning'
        ? `planning... (${formatDuration((now - this.started) / 1000)})`
        : `[${bar}] shards ${p.shardsDone}/${p.shardsPlanned}${p.shardsFailed ? ` (${p.shardsFailed} failed)` : ''}` +
          ` | rows ${p.rowsScored.toLocaleString('en-US')}/${p.rowsPlanned.toLocaleString('en-US')}` +
          ` | ${Math.round(rate).toLocaleString('en-US')} rows/s | ETA ${eta}${p.phase === 'finalizing' ? ' | writing manifest' : ''}`;
    if (this.interactive) this.stream.write(`\r${line.padEnd(100)}`);
    else if (now - this.lastPrinted > 5_000 || p.phase === 'done') {
      this.stream.write(`${line}\n`);
      this.lastPrinted = now;
    }
  }

  end(): void {
    if (this.interactive) this.stream.write('\n');
  }
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
