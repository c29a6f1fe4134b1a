/**
 * The storage contract (docs/storage-contract.md). Planning, scoring and reporting use only this, so local
 * disk and Azure Blob Storage behave the same: listing is sorted, reads are ranged, writes are atomic.
 */
export interface ObjectInfo {
  uri: string;
  size: number;
}

/** A file read by byte ranges: a shard fetches only its row groups and the footer. */
export interface RangeReader {
  readonly uri: string;
  readonly size: number;
  /** Bytes [start, end). */
  read(start: number, end: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/**
 * A file being written. Nothing is visible under `uri` until `commit()` returns; `abort()` (or a crash)
 * leaves no trace under the final name.
 */
export interface ObjectSink {
  readonly uri: string;
  write(chunk: Uint8Array): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

export interface Storage {
  /**
   * Objects matching a file URI, a folder (every object below it whose name ends with `suffix`), or a glob
   * (`*`, `**`, `?`). Sorted by URI. Throws InputNotFoundError when the location does not exist.
   */
  list(location: string, suffix: string): Promise<ObjectInfo[]>;
  stat(uri: string): Promise<ObjectInfo | null>;
  openRead(uri: string): Promise<RangeReader>;
  readAll(uri: string): Promise<Uint8Array>;
  createSink(uri: string): Promise<ObjectSink>;
  /** Writes a whole object atomically. */
  writeAll(uri: string, bytes: Uint8Array | string): Promise<void>;
  /** Removes an object; absent objects are fine. */
  remove(uri: string): Promise<void>;
  /**
   * Removes unpublished temporary objects under a folder, left by attempts that died before commit or abort.
   * Call it only when no attempt can still be writing there (the job's finalize step).
   */
  removeTemporaries(folder: string): Promise<number>;
  /** Joins path segments onto a folder URI. */
  join(base: string, ...segments: string[]): string;
  /**
   * `uri` relative to the folder `base`, '/'-separated ('predictions/part-1.parquet'), as path.relative does for
   * files; for recording paths inside an output folder (the manifest). A URI with no relative form comes back whole.
   */
  relative(base: string, uri: string): string;
}

/** writeAll() for any storage: one sink, committed whole or aborted, so a failed write leaves nothing. */
export async function writeAllThroughSink(
  storage: Storage,
  uri: string,
  bytes: Uint8Array | string,
): Promise<void> {
  const sink = await storage.createSink(uri);
  try {
    await sink.write(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
    await sink.commit();
  } catch (error) {
    await sink.abort();
    throw error;
  }
}
