import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { planJob } from '../../activities/plan-job.js';
import type { PlanJobInput } from '../../domain/job.js';
import { ModelCache } from '../../inference/model-cache.js';
import { ModelSession } from '../../inference/model-session.js';
import { storageFor } from '../../storage/index.js';
import { AI4I_MODEL, AI4I_PARQUET, ROOT, tempDir } from '../helpers/paths.js';

const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const models = new ModelCache(storageFor);
afterAll(() => models.dispose());

/** Runs planning the way a worker does (inside an activity context) and returns its error. */
async function planError(overrides: Partial<PlanJobInput>): Promise<Error> {
  const input: PlanJobInput = {
    jobId: 'bad-input',
    input: AI4I_PARQUET,
    model: AI4I_MODEL,
    output: tempDir('bad-input-out'),
    shardRows: 100_000,
    ...overrides,
  };
  try {
    await new MockActivityEnvironment().run(() => planJob(storageFor, models, input));
  } catch (error) {
    return error as Error;
  }
  throw new Error('planning succeeded on bad input');
}

function folderWith(...files: string[]): string {
  const dir = tempDir('input');
  for (const f of files) cpSync(f, path.join(dir, path.basename(f)));
  return dir;
}

/** A copy of the sample model folder with model.json edited (and the checksum recomputed unless told not to). */
function modelVariant(
  edit: (contract: Record<string, unknown>) => void,
  onnx?: Uint8Array,
  keepChecksum = false,
): string {
  const dir = path.join(tempDir('model'), 'model');
  mkdirSync(dir);
  cpSync(AI4I_MODEL, dir, { recursive: true });
  if (onnx) writeFileSync(path.join(dir, 'model.onnx'), onnx);
  const contract = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')) as Record<
    string,
    unknown
  > & {
    onnx: { sha256: string };
  };
  if (!keepChecksum)
    contract.onnx.sha256 = createHash('sha256')
      .update(readFileSync(path.join(dir, 'model.onnx')))
      .digest('hex');
  edit(contract);
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(contract));
  return dir;
}

describe('bad input gets a clear error naming the file, column or field', () => {
  it('a missing path', async () => {
    const error = await planError({ input: '/no/such/sensor/data' });
    expect(error.name).toBe('InputNotFoundError');
    expect(error.message).toBe('input /no/such/sensor/data does not exist');
  });

  it('an empty folder', async () => {
    const dir = tempDir('empty');
    const error = await planError({ input: dir });
    expect(error.name).toBe('InputNotFoundError');
    expect(error.message).toBe(`input ${dir}: no .parquet files found`);
  });

  it('a file that is not Parquet', async () => {
    const file = path.join(folderWith(path.join(FIXTURES, 'not-parquet.parquet')), 'not-parquet.parquet');
    const error = await planError({ input: file });
    expect(error.name).toBe('NotParquetError');
    expect(error.message).toContain(`${file} is not a Parquet file (no PAR1 magic at the start)`);
  });

  it('a truncated Parquet file, beside good ones: nothing is scored', async () => {
    const dir = folderWith(
      path.join(AI4I_PARQUET, 'part-000.parquet'),
      path.join(FIXTURES, 'truncated.parquet'),
    );
    const error = await planError({ input: dir });
    expect(error.name).toBe('CorruptParquetError');
    expect(error.message).toContain('1 of 2 input files cannot be scored');
    expect(error.message).toContain(
      `${path.join(dir, 'truncated.parquet')} is truncated or damaged: it starts as Parquet but has no footer (no PAR1 magic at the end)`,
    );
  });

  it('an output path that is a file fails at once, not after retries', async () => {
    const file = path.join(tempDir('output-file'), 'scores.txt');
    writeFileSync(file, 'not a folder');
    const error = await planError({ output: file });
    expect(error.name).toBe('StorageAccessError');
    expect(error.message).toContain(`${file}/`);
    expect(error.message).toContain('ENOTDIR');
  });

  it('a missing feature column', async () => {
    const file = path.join(FIXTURES, 'missing-feature.parquet');
    const error = await planError({ input: file });
    expect(error.name).toBe('SchemaMismatchError');
    expect(error.message).toContain(`${file}: missing feature column "Torque [Nm]"`);
  });

  it('a mistyped feature column', async () => {
    const file = path.join(FIXTURES, 'mistyped-feature.parquet');
    const error = await planError({ input: file });
    expect(error.name).toBe('SchemaMismatchError');
    expect(error.message).toContain(
      `${file}: feature column "Torque [Nm]" has type BYTE_ARRAY (STRING); the model needs a number`,
    );
  });

  it('a missing id column', async () => {
    const error = await planError({ idColumns: ['UDI', 'machine_id'] });
    expect(error.name).toBe('SchemaMismatchError');
    expect(error.message).toContain('part-000.parquet: missing id column "machine_id"');
  });

  it('a model folder with a wrong checksum', async () => {
    const folder = modelVariant((c) => ((c.onnx as { sha256: string }).sha256 = '0'.repeat(64)));
    const error = await planError({ model: folder });
    expect(error.name).toBe('ModelContractError');
    expect(error.message).toMatch(
      new RegExp(
        `^${escape(path.join(folder, 'model.onnx'))}: checksum mismatch: model.json says sha256 0{64}, the file has [0-9a-f]{64}$`,
      ),
    );
  });

  it('an ONNX file that is not a model', async () => {
    const folder = modelVariant(() => undefined, new TextEncoder().encode('this is not a model\n'));
    const error = await planError({ model: folder });
    expect(error.name).toBe('ModelContractError');
    expect(error.message).toBe(`${path.join(folder, 'model.onnx')} is not an ONNX model`);
  });

  it('a feature count that does not match the model', async () => {
    const folder = modelVariant((c) => (c.features = (c.features as string[]).slice(0, 4)));
    const error = await planError({ model: folder });
    expect(error.name).toBe('ModelContractError');
    expect(error.message).toBe(
      `${path.join(folder, 'model.json')}: lists 4 features but model input "input" takes 5`,
    );
  });

  it('a model.json that breaks the schema names every bad field', async () => {
    const folder = modelVariant((c) => {
      c.task = 'clustering';
      delete c.features;
    });
    const error = await planError({ model: folder });
    expect(error.name).toBe('ModelContractError');
    expect(error.message).toContain(`${path.join(folder, 'model.json')} is not a valid model contract`);
    expect(error.message).toContain('task:');
    expect(error.message).toContain('features:');
  });

  it('a model folder without model.json', async () => {
    const dir = tempDir('no-model');
    const error = await planError({ model: dir });
    expect(error.message).toBe(`model folder ${dir} does not exist or has no model.json`);
  });
});

describe('a corrupt page is caught, not decoded into wrong numbers', () => {
  it('fails the CRC check naming file, row group and column', async () => {
    const file = path.join(FIXTURES, 'corrupt-page.parquet');
    const model = await ModelSession.create(storageFor(file), AI4I_MODEL);
    const { ParquetFile } = await import('../../parquet/reader.js');
    const parquet = await ParquetFile.open(storageFor(file), file);
    try {
      await expect(parquet.readRowGroup(0, model.features)).resolves.toMatchObject({ rows: 100 });
      await expect(parquet.readRowGroup(1, model.features)).rejects.toThrow(
        new RegExp(
          `^${escape(file)}: row group 1, column "Air temperature \\[K\\]": page 1 fails its CRC-32 checksum`,
        ),
      );
    } finally {
      await parquet.close();
      await model.dispose();
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
