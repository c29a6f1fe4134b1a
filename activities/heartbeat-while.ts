/**
 * Heartbeats now and every `everyMs` until `work` settles: for one long call that reports no progress of
 * its own (a listing of tens of thousands of blobs), so the server still sees the attempt alive and a
 * cancellation still reaches it.
 */
export async function heartbeatWhile<T>(work: Promise<T>, beat: () => void, everyMs = 5_000): Promise<T> {
  beat();
  const timer = setInterval(beat, everyMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
