import type { Storage } from '../storage/index.js';
import { loadModelFolder, ModelSession, type SessionOptions } from './model-session.js';

/**
 * One ONNX Runtime session per worker process per model checksum. The folder is verified on every call
 * (cheap next to scoring), so a model replaced in place is never served from a stale session.
 */
export class ModelCache {
  private readonly sessions = new Map<string, Promise<ModelSession>>();

  constructor(
    private readonly storageFor: (uri: string) => Storage,
    private readonly options: SessionOptions = {},
  ) {}

  async get(folder: string): Promise<ModelSession> {
    const storage = this.storageFor(folder);
    const loaded = await loadModelFolder(storage, folder);
    // The contract is part of the key: the same model.onnx read through a different model.json is another session.
    const key = `${loaded.sha256}:${JSON.stringify(loaded.contract)}`;
    let session = this.sessions.get(key);
    if (!session) {
      session = ModelSession.fromLoaded(storage, folder, loaded, this.options);
      this.sessions.set(key, session);
      session.catch(() => this.sessions.delete(key));
    }
    return session;
  }

  async dispose(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.allSettled(sessions.map(async (s) => (await s).dispose()));
  }
}
