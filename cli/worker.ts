import { resolveTemporal } from '../temporal/embedded.js';
import { createWorkers } from '../workers/create-workers.js';
import { compileWorkerOptions, type WorkerOptions } from '../workers/options.js';
import { parse, positiveInt } from './args.js';
import { installQuietRuntime } from './runtime.js';

export const WORKER_HELP = `batch-score worker [options]

Runs a worker process: the orchestration pool (workflows and planning activities on the task queue)
and the scoring pool (on <task queue>-scoring). Connects to TEMPORAL_ADDRESS (TEMPORAL_NAMESPACE,
TEMPORAL_API_KEY and TEMPORAL_TLS_* as for the Temporal CLI); without it, starts a local dev server.
SIGINT/SIGTERM drain gracefully: running shards get the shutdown grace time to finish, then are
handed back to Temporal for another worker.

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
    const workers = await createWorkers(await temporal.connectWorker(), temporal.settings.namespace, options);
    say(
      `worker polling ${options.taskQueue} (${options.roles.planning ? 'workflows, planning' : ''}${options.roles.planning && options.roles.scoring ? '; ' : ''}${options.roles.scoring ? `scoring x${options.scoringSlots}` : ''}) on ${temporal.settings.address}`,
    );
    // The SDK's Runtime shuts every worker down on SIGINT/SIGTERM; run() resolves once they have drained.
    await workers.run();
    say('worker stopped');
    return 0;
  } finally {
    await temporal.stop();
  }
}
