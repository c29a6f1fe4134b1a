import { BatchScoreError } from '../domain/errors.js';
import { UsageError } from './args.js';
import { ClusterUnreachableError } from './cluster.js';
import { jobCommand } from './job.js';
import { modelCommand } from './model.js';
import { scheduleCommand } from './schedule.js';
import { profileCommand } from './profile.js';
import { scoreCommand } from './score.js';
import { serverCommand } from './server.js';
import { workerCommand } from './worker.js';

const HELP = `batch-score: score Parquet sensor data with ONNX models through Temporal, with drift reports.

Commands:
  score      score a dataset (starts a local Temporal dev server unless TEMPORAL_ADDRESS is set)
  worker     run a worker process (workflows, planning and scoring pools)
  server     run a persistent local Temporal dev server with the Web UI
  job        follow and control jobs: status, pause, resume, set-concurrency, cancel, list
  schedule   nightly jobs on Temporal Schedules: create, update, describe, list, pause, trigger, backfill, ...
  model      model init: write a model folder (model.json) from an ONNX file
  profile    compute a model's reference profile for drift

Run "batch-score <command> --help" for a command's options.`;

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  score: scoreCommand,
  worker: workerCommand,
  server: serverCommand,
  job: jobCommand,
  schedule: scheduleCommand,
  model: modelCommand,
  profile: profileCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`batch-score: unknown command "${command}"\n\n${HELP}\n`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`batch-score ${command}: ${error.message} (see batch-score ${command} --help)\n`);
      return 2;
    }
    if (error instanceof BatchScoreError || error instanceof ClusterUnreachableError) {
      process.stderr.write(`batch-score ${command}: ${error.name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
