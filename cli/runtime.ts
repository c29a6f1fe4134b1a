import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/** Worker SDK logs at WARN on the command line: the progress line is the user's view of the job. */
export function installQuietRuntime(): void {
  if (installed) return;
  installed = true;
  Runtime.install({ logger: new DefaultLogger((process.env.BATCH_SCORE_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
}
