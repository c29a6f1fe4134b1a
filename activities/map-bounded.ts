export interface MapBoundedOptions {
  /** Stops starting new items once aborted; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each item settles, with how many have. */
  onSettled?: (settled: number) => void;
}

/**
 * `items.map(fn)` with at most `limit` calls running at once; results keep the items' order. On a failure
 * no new item starts, the running ones are awaited (so none leaks an open file), and the failure of the
 * earliest item is thrown: the same error a sequential loop would meet first among those that ran.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  options: MapBoundedOptions = {},
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a whole number >= 1, got ${limit}`);
  const results = new Array<R>(items.length);
  const failures = new Map<number, unknown>();
  let next = 0;
  let settled = 0;
  const runner = async () => {
    while (next < items.length && failures.size === 0 && !options.signal?.aborted) {
      const index = next++;
      try {
        results[index] = await fn(items[index]!, index);
      } catch (error) {
        failures.set(index, error);
      }
      options.onSettled?.(++settled);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  if (failures.size > 0) throw failures.get(Math.min(...failures.keys()));
  if (options.signal?.aborted) throw options.signal.reason;
  return results;
}
