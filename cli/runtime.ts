import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';

let installed = false;

/**
 * Expected on a scoring-only worker (it polls activities only), and failed activities, which the job's own
 * failure reports in full: not worth a warning on the command line.
 */
const EXPECTED = /^(No workflows registered, not polling for workflow tasks|Activity failed)/;

/** Worker SDK logs at WARN on the command line: the progress line is the user's view of the job. */
export function installQuietRuntime(): void {
  if (installed) return;
  installed = true;
  const level = (process.env.BATCH_SCORE_LOG_LEVEL ?? 'WARN') as 'WARN';
  Runtime.install({
    logger: new DefaultLogger(level, (entry: LogEntry) => {
      if (EXPECTED.test(entry.message)) return;
      const meta = entry.meta && Object.keys(entry.meta).length > 0 ? ` ${JSON.stringify(entry.meta)}` : '';
      process.stderr.write(`[${entry.level}] ${entry.message}${meta}\n`);
    }),
  });
}
