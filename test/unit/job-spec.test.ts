import { describe, expect, it } from 'vitest';
import { InvalidJobSpecError } from '../../domain/errors.js';
import { failureBudget, parseJobSpec } from '../../domain/job-spec.js';

describe('failure budget', () => {
  it('is the smaller of the count and the share of shards', () => {
    expect(failureBudget({ maxFailedShards: 0 }, 100)).toBe(0);
    expect(failureBudget({ maxFailedShards: 5 }, 100)).toBe(5);
    expect(failureBudget({ maxFailedShards: 5, maxFailedShardShare: 0.02 }, 100)).toBe(2);
    expect(failureBudget({ maxFailedShards: 50, maxFailedShardShare: 0.1 }, 1000)).toBe(50);
  });
});

describe('job spec', () => {
  it('fills defaults for everything but input, model and output', () => {
    expect(parseJobSpec({ input: 'in', model: 'm', output: 'out' })).toEqual({
      input: 'in',
      model: 'm',
      output: 'out',
      shardRows: 1_000_000,
      concurrency: 8,
      maxFailedShards: 0,
      heartbeatTimeoutSeconds: 60,
      timeZone: 'UTC',
    });
  });

  it('lists every bad field at once', () => {
    let error: unknown;
    try {
      parseJobSpec({ input: '', output: 3, shardRows: -1, concurrency: 1.5, colour: 'red' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidJobSpecError);
    const issues = (error as InvalidJobSpecError).issues.join('\n');
    for (const field of ['input', 'model', 'output', 'shardRows', 'concurrency', 'colour'])
      expect(issues).toContain(field);
    expect((error as Error).message).toMatch(/^invalid job spec:/);
  });
});
