import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputNotFoundError, StorageAccessError, TransientStorageError } from '../domain/errors.js';
import { globBase, globToRegExp, isGlob } from './glob.js';
import {
  writeAllThroughSink,
  type ObjectInfo,
  type ObjectSink,
  type RangeReader,
  type Storage,
} from './storage.js';

/** Local paths and file:// URIs. Atomic writes go to a hidden temporary file, then rename. */
export class LocalStorage implements Storage {
  static toPath(uri: string): string {
    return uri.startsWith('file://') ? fileURLToPath(uri) : path.resolve(uri);
  }

  async list(location: string, suffix: string): Promise<ObjectInfo[]> {
    const target = LocalStorage.toPath(location);
    if (isGlob(location)) {
      const base = LocalStorage.toPath(globBase(location) || '.');
      const matcher = globToRegExp(target);
      if (!(await statOrNull(base)))
        throw new InputNotFoundError(`input ${location}: ${base} does not exist`);
      const all = await walk(base);
      return all.filter((o) => matcher.test(o.uri));
    }
    const stat = await statOrNull(target);
    if (!stat) throw new InputNotFoundError(`input ${location} does not exist`);
    if (stat.isFile()) return [{ uri: target, size: stat.size }];
    const all = await walk(target);
    return all.filter((o) => o.uri.endsWith(suffix));
  }

  async stat(uri: string): Promise<ObjectInfo | null> {
    const p = LocalStorage.toPath(uri);
    const stat = await statOrNull(p);
    return stat?.isFile() ? { uri: p, size: stat.size } : null;
  }

  async openRead(uri: string): Promise<RangeReader> {
    const p = LocalStorage.toPath(uri);
    const handle = await io(`open ${p}`, () => fs.open(p, constants.O_RDONLY));
    const { size } = await handle.stat();
    return {
      uri: p,
      size,
      async read(start, end) {
        const buffer = Buffer.allocUnsafe(Math.max(0, end - start));
        let done = 0;
        while (done < buffer.length) {
          const { bytesRead } = await io(`read ${p}`, () =>
            handle.read(buffer, done, buffer.length - done, start + done),
          );
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return done === buffer.length ? buffer : buffer.subarray(0, done);
      },
      close: () => handle.close(),
    };
  }

  async readAll(uri: string): Promise<Uint8Array> {
    const p = LocalStorage.toPath(uri);
    return io(`read ${p}`, () => fs.readFile(p));
  }

  async createSink(uri: string): Promise<ObjectSink> {
    const finalPath = LocalStorage.toPath(uri);
    await io(`create folder ${path.dirname(finalPath)}`, () =>
      fs.mkdir(path.dirname(finalPath), { recursive: true }),
    );
    const tempPath = temporaryNameFor(finalPath);
    const handle = await io(`create ${tempPath}`, () => fs.open(tempPath, 'w'));
    let closed = false;
    const close = async () => {
      if (!closed) {
        closed = true;
        await handle.close();
      }
    };
    return {
      uri: finalPath,
      write: async (chunk) => {
        await io(`write ${tempPath}`, () => handle.write(chunk));
      },
      commit: async () => {
        await handle.sync();
        await close();
        await io(`publish ${finalPath}`, () => fs.rename(tempPath, finalPath));
      },
      abort: async () => {
        await close();
        await fs.rm(tempPath, { force: true });
      },
    };
  }

  writeAll(uri: string, bytes: Uint8Array | string): Promise<void> {
    return writeAllThroughSink(this, uri, bytes);
  }

  async remove(uri: string): Promise<void> {
    const p = LocalStorage.toPath(uri);
    await io(`remove ${p}`, () => fs.rm(p, { force: true, recursive: true }));
  }

  async removeTemporaries(folder: string): Promise<number> {
    const dir = LocalStorage.toPath(folder);
    let entries: string[];
    try {
      entries = await fs.readdir(dir);
    } catch (error) {
      if (isNodeError(error) && error.code === 'ENOENT') return 0;
      throw error;
    }
    const temporaries = entries.filter((name) => TEMPORARY_NAME.test(name));
    await Promise.all(temporaries.map((name) => fs.rm(path.join(dir, name), { force: true })));
    return temporaries.length;
  }

  join(base: string, ...segments: string[]): string {
    return path.join(LocalStorage.toPath(base), ...segments);
  }

  relative(base: string, uri: string): string {
    return path.relative(LocalStorage.toPath(base), LocalStorage.toPath(uri)).split(path.sep).join('/');
  }
}

const TEMPORARY_NAME = /^\..+\.tmp-[0-9a-f]{12}$/;

/** Temporary files are hidden and carry the final name, so a cleanup can find a crashed attempt's leftovers. */
export function temporaryNameFor(finalPath: string): string {
  return path.join(
    path.dirname(finalPath),
    `.${path.basename(finalPath)}.tmp-${randomBytes(6).toString('hex')}`,
  );
}

async function statOrNull(p: string) {
  try {
    return await fs.stat(p);
  } catch (error) {
    if (isNodeError(error) && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return null;
    throw error;
  }
}

/**
 * Every non-hidden file below `dir`, sorted. Symbolic links are followed (data folders are often assembled
 * from links), each real folder at most once, so a link cycle cannot loop.
 */
async function walk(dir: string, seen = new Set<string>()): Promise<ObjectInfo[]> {
  const real = await fs.realpath(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  const out: ObjectInfo[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    const stat = entry.isSymbolicLink() ? await statOrNull(full) : null;
    if (entry.isDirectory() || stat?.isDirectory()) out.push(...(await walk(full, seen)));
    else if (entry.isFile() || stat?.isFile())
      out.push({ uri: full, size: (stat ?? (await fs.stat(full))).size });
  }
  return out.sort((a, b) => (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0));
}

const TRANSIENT_CODES = new Set(['EIO', 'EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ETIMEDOUT', 'ENOSPC']);
/** A path that can never work as asked (a file where a folder must be, no permission): retrying cannot help. */
const PERMANENT_CODES = new Set(['ENOTDIR', 'EISDIR', 'EEXIST', 'EACCES', 'EPERM', 'EROFS']);

/** Maps OS errors to our taxonomy: missing files are permanent, resource hiccups are worth a retry. */
async function io<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (isNodeError(error)) {
      if (error.code === 'ENOENT') throw new InputNotFoundError(`${what}: no such file`, { cause: error });
      if (error.code && TRANSIENT_CODES.has(error.code)) {
        throw new TransientStorageError(`${what}: ${error.message}`, { cause: error });
      }
      if (error.code && PERMANENT_CODES.has(error.code)) {
        throw new StorageAccessError(`${what}: ${error.message}`, { cause: error });
      }
    }
    throw error;
  }
}

function isNodeError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
