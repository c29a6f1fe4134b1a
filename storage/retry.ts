import { setTimeout as delay } from 'node:timers/promises';

/**
 * Retries for storage calls: exponential backoff with jitter, and a timeout per attempt so a request that hangs
 * becomes a retry instead of a stuck activity. This is the only retry layer under the storage contract (the
 * Azure SDK's own retries are off): one place decides what is transient, and a body that breaks off mid-read is
 * retried like any other transient failure. Temporal's activity retries sit above this, for longer outages.
 */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Backoff before the second try; doubles each time, up to maxDelayMs, then scaled by a random 50-100%. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** An attempt still running after this long is aborted and counts as transient. 0: no limit. */
  attemptTimeoutMs: number;
}

/**
 * 6 tries over about 15 s of backoff: rides out a throttling burst or a dropped connection, then hands the
 * failure to Temporal (TransientStorageError) whose activity retries wait longer between whole attempts.
 */
export const STORAGE_RETRY: RetryPolicy = {
  attempts: 6,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  attemptTimeoutMs: 60_000,
};

export interface RetryEvent {
  attempt: number;
  attempts: number;
  delayMs: number;
  error: unknown;
}

export interface RetryHooks {
  /** Called before each backoff sleep (logging). */
  onRetry?: (event: RetryEvent) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Thrown inside an attempt that ran past attemptTimeoutMs; transient by definition. */
export class AttemptTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

/**
 * Runs `attempt` until it succeeds, fails with an error `isTransient` rejects, or runs out of tries; then throws
 * that attempt's error unchanged (callers translate it once, knowing what they were doing).
 */
export async function withRetries<T>(
  attempt: (signal: AbortSignal, attemptNumber: number) => Promise<T>,
  isTransient: (error: unknown) => boolean,
  policy: RetryPolicy = STORAGE_RETRY,
  hooks: RetryHooks = {},
): Promise<T> {
  const sleep = hooks.sleep ?? ((ms: number) => delay(ms));
  const random = hooks.random ?? Math.random;
  for (let n = 1; ; n++) {
    try {
      return await runAttempt(attempt, n, policy.attemptTimeoutMs);
    } catch (error) {
      if (n >= policy.attempts || !isTransient(error)) throw error;
      const delayMs = backoffMs(policy, n, random());
      hooks.onRetry?.({ attempt: n, attempts: policy.attempts, delayMs, error });
      await sleep(delayMs);
    }
  }
}

/** Delay after try `n` (1-based): min(max, initial * 2^(n-1)) scaled into [50%, 100%]. */
export function backoffMs(policy: RetryPolicy, n: number, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (n - 1));
  return Math.round(ceiling * (0.5 + random / 2));
}

async function runAttempt<T>(
  attempt: (signal: AbortSignal, attemptNumber: number) => Promise<T>,
  n: number,
  timeoutMs: number,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    if (timeoutMs <= 0) return;
    timer = setTimeout(() => {
      const error = new AttemptTimeoutError(timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  timedOut.catch(() => undefined);
  try {
    // Racing keeps the timeout honest even for an operation that ignores its abort signal.
    return await Promise.race([attempt(controller.signal, n), timedOut]);
  } catch (error) {
    if (controller.signal.aborted) throw controller.signal.reason;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
