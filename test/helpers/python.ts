import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './paths.js';

const run = promisify(execFile);

export const PYTHON_CLIENT_DIR = path.join(ROOT, 'clients', 'python');
const REQUIREMENTS = path.join(PYTHON_CLIENT_DIR, 'requirements.txt');
/** Project-local and git-ignored, so the test never touches a system or user Python environment. */
export const PYTHON_CLIENT_VENV = path.join(ROOT, '.venv-python-client');
const STAMP = path.join(PYTHON_CLIENT_VENV, 'requirements.sha256');

/**
 * The Python client's venv, with clients/python/requirements.txt installed from PyPI. A venv whose stamp
 * matches the requirements file's hash is reused; any other (missing, half-installed, stale) is rebuilt.
 * Returns the venv's python executable.
 */
export async function pythonClientVenv(): Promise<string> {
  const python = path.join(PYTHON_CLIENT_VENV, 'bin', 'python');
  const hash = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  if (existsSync(python) && existsSync(STAMP) && readFileSync(STAMP, 'utf8').trim() === hash) return python;

  const basePython = process.env.PYTHON ?? 'python3';
  try {
    await run(basePython, ['-c', 'import sys; assert sys.version_info >= (3, 10), sys.version']);
  } catch (error) {
    throw new Error(
      `the Python client test needs Python 3.10+ as \`${basePython}\` (set PYTHON to use another): ${String(error)}`,
    );
  }
  rmSync(PYTHON_CLIENT_VENV, { recursive: true, force: true });
  await run(basePython, ['-m', 'venv', PYTHON_CLIENT_VENV]);
  await run(
    python,
    ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-input', '-r', REQUIREMENTS],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  // Written last: a venv interrupted mid-install has no stamp and is rebuilt next time.
  writeFileSync(STAMP, `${hash}\n`);
  return python;
}

export interface PythonRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout's lines parsed as JSON (the client prints one event object per line). */
  events: Array<Record<string, unknown> & { event: string }>;
}

/** Runs clients/python/score_job.py with `args`, to completion, whatever its exit code. */
export async function runPythonClient(
  python: string,
  args: string[],
  options: { timeoutMs?: number } = {},
): Promise<PythonRun> {
  const script = path.join(PYTHON_CLIENT_DIR, 'score_job.py');
  // Only what Python needs: no TEMPORAL_* variable or temporal.toml profile of the developer's may
  // redirect the client (an API key or TLS setting would, even with --address given).
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    TEMPORAL_CONFIG_FILE: '/dev/null',
    PYTHONUNBUFFERED: '1',
  };
  const result = await run(python, [script, ...args], {
    env,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 16 * 1024 * 1024,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: {
      code?: number | string | null;
      signal?: string | null;
      stdout?: string;
      stderr?: string;
      killed?: boolean;
    }) => {
      if (typeof error.code !== 'number') {
        // Killed (the timeout, or a signal) or never started: say which, with what it printed.
        throw new Error(
          `score_job.py did not exit normally (code ${String(error.code)}, signal ${String(error.signal)}, ` +
            `killed by the ${options.timeoutMs ?? 120_000} ms timeout: ${Boolean(error.killed)})\n` +
            `stdout:\n${error.stdout ?? ''}\nstderr:\n${error.stderr ?? ''}`,
          { cause: error },
        );
      }
      return { code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
    },
  );
  const events = result.stdout
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => {
      try {
        return JSON.parse(line) as PythonRun['events'][number];
      } catch {
        throw new Error(`score_job.py printed a line that is not JSON: ${line}\nstderr:\n${result.stderr}`);
      }
    });
  return { ...result, events };
}
