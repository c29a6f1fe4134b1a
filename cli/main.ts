import { BatchScoreError } from '../domain/errors.js';
import { UsageError } from './args.js';
import { ClusterUnreachableError } from '../temporal/connection.js';

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

type Command = (argv: string[]) => Promise<number>;

/** Loaded on use: `job status` should not pay for loading ONNX Runtime and the worker. */
const COMMANDS: Record<string, () => Promise<Command>> = {
  score: async () => (await import('./score.js')).scoreCommand,
  worker: async () => (await import('./worker.js')).workerCommand,
  server: async () => (await import('./server.js')).serverCommand,
  job: async () => (await import('./job.js')).jobCommand,
  schedule: async () => (await import('./schedule.js')).scheduleCommand,
  model: async () => (await import('./model.js')).modelCommand,
  profile: async () => (await import('./profile.js')).profileCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(HELP);
    return command ? 0 : 2;
  }
  const load = COMMANDS[command];
  if (!load) {
    process.stderr.write(`batch-score: unknown command "${command}"\n\n${HELP}\n`);
    return 2;
  }
  try {
    const run = await load();
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
