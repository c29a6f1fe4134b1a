import { GracefulShutdownPeriodExpiredError } from '@temporalio/worker';
import { resolveTemporal } from '../temporal/embedded.js';
import { ensureJobSearchAttributes } from '../temporal/search-attributes.js';
import { createWorkers, HANDBACK_MS, type BatchScoreWorkers } from '../workers/create-workers.js';
import { compileWorkerOptions, type WorkerOptions } from '../workers/options.js';
import { parse, positiveInt } from './args.js';
import { installQuietRuntime } from './runtime.js';

export const WORKER_HELP = `batch-score worker [options]

Runs a worker process: the orchestration pool (workflows and planning activities on the task queue)
and the scoring pool (on <task queue>-scoring). Connects to TEMPORAL_ADDRESS (TEMPORAL_NAMESPACE,
TEMPORAL_API_KEY and TEMPORAL_TLS_* as for the Temporal CLI); without it, starts a local dev server.
SIGINT/SIGTERM drain gracefully: the worker stops taking work at once, running shards get the shutdown
grace to finish, then are handed back (the attempt fails, its temporary part is removed, and Temporal
retries it on another worker); the process then exits 0. A second signal exits at once (code 1): its
shards are retried after their heartbeat timeout and may leave temporary parts behind.

Options (each also an environment variable):
  --task-queue Q        BATCH_SCORE_TASK_QUEUE (default batch-score)
  --scoring-slots N     BATCH_SCORE_SCORING_SLOTS: shards at once (default: cores available)
  --ort-threads N       BATCH_SCORE_ORT_THREADS: ONNX Runtime threads per session (default 1)
  --roles r,r           BATCH_SCORE_ROLES: planning, scoring or both (default both)
  --shutdown-grace D    BATCH_SCORE_SHUTDOWN_GRACE (default 30s)
  -h, --help            this help`;

export async function workerCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    'task-queue': { type: 'string' },
    'scoring-slots': { type: 'string' },
    'ort-threads': { type: 'string' },
    roles: { type: 'string' },
    'shutdown-grace': { type: 'string' },
  });
  if (values.help) {
    console.log(WORKER_HELP);
    return 0;
  }
  const env = { ...process.env };
  if (values.roles) env.BATCH_SCORE_ROLES = values.roles;
  const options = compileWorkerOptions(env, {
    ...(values['task-queue'] ? { taskQueue: values['task-queue'] } : {}),
    ...(values['scoring-slots']
      ? { scoringSlots: positiveInt(values['scoring-slots'], 'scoring-slots')! }
      : {}),
    ...(values['ort-threads'] ? { ortThreads: positiveInt(values['ort-threads'], 'ort-threads')! } : {}),
    ...(values['shutdown-grace']
      ? { shutdownGraceTime: values['shutdown-grace'] as WorkerOptions['shutdownGraceTime'] }
      : {}),
  });
  installQuietRuntime();
  const say = (line: string) => process.stderr.write(`${line}\n`);
  const temporal = await resolveTemporal({ log: say });
  try {
    if (!temporal.embedded && options.roles.planning) {
      // A workflow that upserts an unregistered search attribute stalls; register ours before polling.
      const connection = await temporal.connect();
      try {
        const added = await ensureJobSearchAttributes(connection, temporal.settings.namespace);
        if (added.length > 0) say(`registered search attributes ${added.join(', ')}`);
      } finally {
        await connection.close();
      }
    }
    const workers = await createWorkers(await temporal.connectWorker(), temporal.settings.namespace, options);
    say(
      `worker polling ${options.taskQueue} (${options.roles.planning ? 'workflows, planning' : ''}${options.roles.planning && options.roles.scoring ? '; ' : ''}${options.roles.scoring ? `scoring x${options.scoringSlots}` : ''}) on ${temporal.settings.address}`,
    );
    const signals = drainOnSignals(workers, say);
    try {
      await workers.run();
    } catch (error) {
      if (!(error instanceof GracefulShutdownPeriodExpiredError)) throw error;
      say(
        `worker stopped: running activities did not stop within ${HANDBACK_MS / 1000}s of the hand-back; Temporal retries them after their heartbeat timeout`,
      );
      exitSoon(1);
      return 1;
    } finally {
      signals.dispose();
    }
    say('worker stopped');
    return 0;
  } finally {
    await temporal.stop();
  }
}

/**
 * The first SIGINT/SIGTERM starts the graceful drain (the SDK's Runtime reacts to it too; both stop the same
 * workers). Handling the signal ourselves also keeps a second one from killing the process mid-drain by
 * default: a second signal is an explicit "stop now".
 */
function drainOnSignals(workers: BatchScoreWorkers, say: (line: string) => void): { dispose(): void } {
  let received = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) {
      say(
        `${signal}: draining; no new work, running shards have ${workers.graceMs / 1000}s to finish, then are handed back`,
      );
      workers.shutdown();
      return;
    }
    say(`${signal} again: stopping now; running shards are retried after their heartbeat timeout`);
    process.exit(1);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const s of signals) process.on(s, onSignal);
  return {
    dispose: () => {
      for (const s of signals) process.off(s, onSignal);
    },
  };
}

/** An abandoned activity may still hold the event loop open; the exit code must not wait for it. */
function exitSoon(code: number): void {
  setTimeout(() => process.exit(code), 1_000).unref();
}
