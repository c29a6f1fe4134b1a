import { describe, expect, it } from 'vitest';
import { AttemptTimeoutError, backoffMs, withRetries, type RetryPolicy } from '../../storage/retry.js';

const policy: RetryPolicy = { attempts: 4, initialDelayMs: 100, maxDelayMs: 250, attemptTimeoutMs: 0 };
const transient = (e: unknown) => (e as Error).message === 'transient';

describe('withRetries', () => {
  it('retries transient failures with growing, capped, jittered delays, then succeeds', async () => {
    const slept: number[] = [];
    let calls = 0;
    const result = await withRetries(
      () => {
        calls++;
        return calls < 4 ? Promise.reject(new Error('transient')) : Promise.resolve('ok');
      },
      transient,
      policy,
      { sleep: (ms) => (slept.push(ms), Promise.resolve()), random: () => 1 },
    );
    expect(result).toBe('ok');
    expect(slept).toEqual([100, 200, 250]);
  });

  it('jitter stays within half to all of the ceiling', () => {
    expect(backoffMs(policy, 1, 0)).toBe(50);
    expect(backoffMs(policy, 1, 1)).toBe(100);
    expect(backoffMs(policy, 10, 0.5)).toBe(188);
  });

  it('stops at once on a permanent error and after the last try on a transient one', async () => {
    let calls = 0;
    const permanent = new Error('permanent');
    await expect(
      withRetries(() => (calls++, Promise.reject(permanent)), transient, policy, {
        sleep: () => Promise.resolve(),
      }),
    ).rejects.toBe(permanent);
    expect(calls).toBe(1);

    calls = 0;
    const events: number[] = [];
    await expect(
      withRetries(() => (calls++, Promise.reject(new Error('transient'))), transient, policy, {
        sleep: () => Promise.resolve(),
        onRetry: (e) => events.push(e.attempt),
      }),
    ).rejects.toThrow('transient');
    expect(calls).toBe(4);
    expect(events).toEqual([1, 2, 3]);
  });

  it('aborts an attempt that hangs and retries it, even when the attempt ignores its signal', async () => {
    let calls = 0;
    let sawAbort = false;
    const result = await withRetries(
      (signal) => {
        calls++;
        if (calls === 1) {
          signal.addEventListener('abort', () => (sawAbort = true));
          return new Promise<string>(() => undefined); // never settles
        }
        return Promise.resolve('second try');
      },
      (e) => e instanceof AttemptTimeoutError,
      { ...policy, attemptTimeoutMs: 30 },
      { sleep: () => Promise.resolve() },
    );
    expect(result).toBe('second try');
    expect(sawAbort).toBe(true);
  });
});
