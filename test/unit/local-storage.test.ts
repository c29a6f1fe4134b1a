import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../../storage/local.js';
import { tempDir } from '../helpers/paths.js';

describe('local storage contract', () => {
  const storage = new LocalStorage();

  it('publishes a file only on commit, and leaves nothing on abort', async () => {
    const dir = tempDir('storage');
    const target = path.join(dir, 'out', 'part.parquet');
    const sink = await storage.createSink(target);
    await sink.write(new TextEncoder().encode('half'));
    expect(existsSync(target)).toBe(false);
    await sink.commit();
    expect(readFileSync(target, 'utf8')).toBe('half');

    const aborted = await storage.createSink(path.join(dir, 'out', 'other.parquet'));
    await aborted.write(new TextEncoder().encode('x'));
    await aborted.abort();
    expect(readdirSync(path.join(dir, 'out'))).toEqual(['part.parquet']);
  });

  it('follows symbolic links to files and folders, each folder once', async () => {
    const dir = tempDir('links');
    await storage.writeAll(path.join(dir, 'real', 'a.parquet'), 'a');
    await storage.writeAll(path.join(dir, 'elsewhere', 'b.parquet'), 'b');
    symlinkSync(path.join(dir, 'elsewhere', 'b.parquet'), path.join(dir, 'real', 'b.parquet'));
    symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'real', 'linked-folder'));
    symlinkSync(path.join(dir, 'real'), path.join(dir, 'real', 'loop'));
    const listed = (await storage.list(path.join(dir, 'real'), '.parquet')).map((o) =>
      path.relative(dir, o.uri),
    );
    expect(listed).toEqual(['real/a.parquet', 'real/b.parquet', 'real/linked-folder/b.parquet']);
  });

  it('lists folders, files and globs sorted, and reads byte ranges', async () => {
    const dir = tempDir('list');
    for (const name of ['b/2.parquet', 'a/1.parquet', 'a/notes.txt', 'a/.hidden.parquet'])
      await storage.writeAll(path.join(dir, name), name);
    expect((await storage.list(dir, '.parquet')).map((o) => path.relative(dir, o.uri))).toEqual([
      'a/1.parquet',
      'b/2.parquet',
    ]);
    expect(
      (await storage.list(path.join(dir, '*/2.parquet'), '.parquet')).map((o) => path.relative(dir, o.uri)),
    ).toEqual(['b/2.parquet']);
    const reader = await storage.openRead(path.join(dir, 'a/1.parquet'));
    expect(new TextDecoder().decode(await reader.read(2, 5))).toBe('1.p');
    await reader.close();
  });
});
