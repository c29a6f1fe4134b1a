import type { ObjectInfo, ObjectSink, RangeReader, Storage } from './storage.js';

/**
 * One Storage for every URI: each call goes to the backend of the URI it is given. A job mixes locations (a
 * local model folder, input in one account, output in another), and code that holds "the output's storage"
 * may still read the model folder through it; routing per call makes that always right.
 */
export class RoutingStorage implements Storage {
  constructor(private readonly backendFor: (uri: string) => Storage) {}

  list(location: string, suffix: string): Promise<ObjectInfo[]> {
    return this.backendFor(location).list(location, suffix);
  }

  stat(uri: string): Promise<ObjectInfo | null> {
    return this.backendFor(uri).stat(uri);
  }

  openRead(uri: string): Promise<RangeReader> {
    return this.backendFor(uri).openRead(uri);
  }

  readAll(uri: string): Promise<Uint8Array> {
    return this.backendFor(uri).readAll(uri);
  }

  createSink(uri: string): Promise<ObjectSink> {
    return this.backendFor(uri).createSink(uri);
  }

  writeAll(uri: string, bytes: Uint8Array | string): Promise<void> {
    return this.backendFor(uri).writeAll(uri, bytes);
  }

  remove(uri: string): Promise<void> {
    return this.backendFor(uri).remove(uri);
  }

  removeTemporaries(folder: string): Promise<number> {
    return this.backendFor(folder).removeTemporaries(folder);
  }

  join(base: string, ...segments: string[]): string {
    return this.backendFor(base).join(base, ...segments);
  }

  /** A URI in another backend has no relative form and comes back whole. */
  relative(base: string, uri: string): string {
    const backend = this.backendFor(base);
    return backend === this.backendFor(uri) ? backend.relative(base, uri) : uri;
  }
}
