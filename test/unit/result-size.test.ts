import { describe, expect, it } from 'vitest';
import { assertSmallResult, MAX_RESULT_BYTES, withFailureConversion } from '../../activities/failures.js';

describe('activity results stay small', () => {
  it('a result over the limit fails for good instead of being retried forever', async () => {
    const activities = withFailureConversion({
      huge: async () => ({ rows: 'x'.repeat(MAX_RESULT_BYTES + 1) }),
    });
    const error = (await activities.huge().catch((e: unknown) => e)) as Error & {
      type: string;
      nonRetryable: boolean;
    };
    expect(error.type).toBe('ResultTooLargeError');
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toContain('activity huge produced a');
  });

  it('a shard result of twenty features is a few KB', () => {
    const stats = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [
        `sensor_${i}`,
        {
          count: 1e6,
          nulls: 3,
          nans: 1,
          infinities: 0,
          mean: 298.123456789,
          m2: 1234.5678,
          min: 290.1,
          max: 305.9,
        },
      ]),
    );
    expect(() => assertSmallResult('scoreShard', { shardId: 'f000001-rg00000-00010', stats })).not.toThrow();
    expect(Buffer.byteLength(JSON.stringify(stats))).toBeLessThan(8 * 1024);
  });
});
