import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AI4I_MODEL, AI4I_PARQUET, ROOT, tempDir } from '../helpers/paths.js';

const BIN = path.join(ROOT, 'bin', 'batch-score.js');

/** The CLI as a user runs it: its own embedded dev server, in a process of its own. */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, TEMPORAL_ADDRESS: '', BATCH_SCORE_DATA_DIR: tempDir('cli-data'), ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('batch-score score', () => {
  it('run again with a finished job id, follows that job and says so, ignoring its own output', () => {
    const env = { BATCH_SCORE_DATA_DIR: tempDir('cli-again') };
    const first = tempDir('cli-first');
    const args = ['score', '--input', AI4I_PARQUET, '--model', AI4I_MODEL, '--job-id', 'cli-again'];
    expect(cli([...args, '--output', first], env).code).toBe(0);
    const second = path.join(tempDir('cli-second'), 'out');
    const again = cli([...args, '--output', second], env);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('job cli-again already finished: following it');
    expect(again.stderr).toContain(path.join(first, 'predictions'));
    expect(existsSync(second)).toBe(false);
  });

  it('scores the sample through an embedded dev server and prints the summary as JSON on the last line', () => {
    const output = tempDir('cli-score');
    const { code, stdout, stderr } = cli([
      'score',
      '--input',
      AI4I_PARQUET,
      '--model',
      AI4I_MODEL,
      '--output',
      output,
      '--json',
      '--job-id',
      'cli-json',
    ]);
    expect(stderr).toContain('Temporal dev server on 127.0.0.1:');
    expect(code).toBe(0);
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({
      jobId: 'cli-json',
      status: 'completed',
      rowsIn: 10_000,
      rowsScored: 10_000,
      rowsFailed: 0,
      shards: { planned: 4, done: 4, failed: 0 },
      output: {
        manifest: path.join(output, 'manifest.json'),
        driftReport: path.join(output, 'drift', 'report.json'),
      },
      drift: { verdict: 'no_drift' },
    });
    expect(readdirSync(path.join(output, 'predictions'))).toHaveLength(4);
  });

  it('exits non-zero with the reason when the job fails', () => {
    const output = tempDir('cli-fail');
    const { code, stderr, stdout } = cli([
      'score',
      '--input',
      '/no/such/input',
      '--model',
      AI4I_MODEL,
      '--output',
      output,
      '--json',
    ]);
    expect(code).toBe(1);
    expect(stderr).toContain('InputNotFoundError: input /no/such/input does not exist');
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({
      status: 'failed',
      error: { type: 'InputNotFoundError' },
    });
    expect(existsSync(path.join(output, 'manifest.json'))).toBe(false);
  });

  it('rejects bad flags before starting anything', () => {
    const { code, stderr } = cli([
      'score',
      '--input',
      'x',
      '--model',
      'm',
      '--output',
      'o',
      '--shard-rows',
      'many',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('--shard-rows many: expected a positive whole number');
    const base = ['score', '--input', 'x', '--model', 'm', '--output', 'o'];
    const tooMany = cli([...base, '--concurrency=100000']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toContain('--concurrency 100000: expected a whole number from 1 to 10000');
    const negative = cli([...base, '--max-failed-shards=-1']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('--max-failed-shards -1: expected a whole number, 0 or more');
    expect(cli([...base, '--max-failed-shards=']).stderr).toContain('expected a whole number, 0 or more');
    const missing = cli(['score', '--input', 'x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing --model, --output');
  });
});

describe('help', () => {
  it.each(['score', 'worker', 'server', 'model', 'profile'])('batch-score %s --help', (command) => {
    const { code, stdout } = cli([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`batch-score ${command}`);
  });
});
