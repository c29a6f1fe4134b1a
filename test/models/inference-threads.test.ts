import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeVector, type Vector } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ModelContractError } from '../../domain/errors.js';
import { ModelSession, type Predictions } from '../../inference/model-session.js';
import { ParquetFile } from '../../parquet/reader.js';
import { storageFor } from '../../storage/index.js';
import { AI4I_MODEL, AI4I_PARQUET, tempDir } from '../helpers/paths.js';

/**
 * onnxruntime-node's run() computes on the calling thread, so ModelSession runs the model on inference
 * threads: the worker's JS thread must stay free while a batch scores, and concurrent shards must score on
 * separate threads (cores) with the same results as one at a time.
 */
async function firstRowGroup(model: ModelSession) {
  const storage = storageFor(AI4I_PARQUET);
  const file = await ParquetFile.open(storage, path.join(AI4I_PARQUET, 'part-000.parquet'));
  try {
    const batch = await file.readRowGroup(0, model.features);
    return { rows: batch.rows, features: model.features.map((f) => batch.columns.get(f)!) };
  } finally {
    await file.close();
  }
}

/** The row group repeated `times` times: a batch large enough to take the model a while. */
function repeated(features: readonly Vector[], rows: number, times: number): Vector[] {
  return features.map((vector) => {
    const source = Float64Array.from(vector.toArray() as ArrayLike<number | bigint>, Number);
    const out = new Float64Array(rows * times);
    for (let i = 0; i < times; i++) out.set(source, i * rows);
    return makeVector(out);
  });
}

describe('ModelSession on inference threads', () => {
  it('leaves the event loop free while a large batch scores', async () => {
    const model = await ModelSession.create(storageFor(AI4I_MODEL), AI4I_MODEL, { threads: 1 });
    try {
      const { rows, features } = await firstRowGroup(model);
      const times = Math.ceil(400_000 / rows);
      const big = repeated(features, rows, times);
      let turns = 0;
      let done = false;
      const spin = () => {
        turns++;
        if (!done) setImmediate(spin);
      };
      setImmediate(spin);
      const predictions = await model.predict(big, rows * times);
      done = true;
      expect(predictions.rows).toBe(rows * times);
      // A run on the JS thread would hold the loop for the whole batch: one or two turns at most.
      expect(turns).toBeGreaterThan(20);
    } finally {
      await model.dispose();
    }
  });

  it('runs concurrent batches on separate threads, each with its own rows', async () => {
    const one = await ModelSession.create(storageFor(AI4I_MODEL), AI4I_MODEL, { threads: 1 });
    const two = await ModelSession.create(storageFor(AI4I_MODEL), AI4I_MODEL, { threads: 2 });
    try {
      const { rows, features } = await firstRowGroup(one);
      const halves = [features.map((v) => v.slice(0, rows >> 1)), features.map((v) => v.slice(rows >> 1))];
      const sizes = [rows >> 1, rows - (rows >> 1)];
      const sequential: Predictions[] = [];
      for (let i = 0; i < 2; i++) sequential.push(await one.predict(halves[i]!, sizes[i]!));
      const concurrent = await Promise.all([0, 1].map((i) => two.predict(halves[i]!, sizes[i]!)));
      expect(one.threads).toBe(1);
      expect(two.threads).toBe(2);
      concurrent.forEach((p, i) => {
        expect(p.prediction).toEqual(sequential[i]!.prediction);
        expect(p.probabilities).toEqual(sequential[i]!.probabilities);
      });
    } finally {
      await Promise.all([one.dispose(), two.dispose()]);
    }
  });

  it('queues batches on a busy thread and answers each with its own rows', async () => {
    const model = await ModelSession.create(storageFor(AI4I_MODEL), AI4I_MODEL, { threads: 1 });
    try {
      const { rows, features } = await firstRowGroup(model);
      const thirds = [0, 1, 2].map((k) => {
        const from = Math.floor((k * rows) / 3);
        const to = Math.floor(((k + 1) * rows) / 3);
        return { rows: to - from, features: features.map((v) => v.slice(from, to)) };
      });
      const sequential: Predictions[] = [];
      for (const t of thirds) sequential.push(await model.predict(t.features, t.rows));
      // Three at once on one thread: two queue there, the third waits for room.
      const concurrent = await Promise.all(thirds.map((t) => model.predict(t.features, t.rows)));
      expect(model.threads).toBe(1);
      concurrent.forEach((p, i) => expect(p).toEqual(sequential[i]));
    } finally {
      await model.dispose();
    }
  });

  it('says why ONNX Runtime cannot load a model, naming the file', async () => {
    const folder = tempDir('bad-onnx');
    mkdirSync(folder, { recursive: true });
    const contract = JSON.parse(readFileSync(path.join(AI4I_MODEL, 'model.json'), 'utf8')) as {
      onnx: { file: string; sha256: string };
    };
    // A well-formed ONNX file whose operator no runtime implements (a misspelt op type, same length).
    const onnx = readFileSync(path.join(AI4I_MODEL, contract.onnx.file), 'latin1');
    expect(onnx).toContain('TreeEnsembleClassifier');
    const broken = Buffer.from(onnx.replaceAll('TreeEnsembleClassifier', 'TreeEnsembleClassifiez'), 'latin1');
    writeFileSync(path.join(folder, contract.onnx.file), broken);
    contract.onnx.sha256 = createHash('sha256').update(broken).digest('hex');
    writeFileSync(path.join(folder, 'model.json'), JSON.stringify(contract));
    const error = await ModelSession.create(storageFor(folder), folder).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelContractError);
    expect((error as Error).message).toContain(
      `${path.join(folder, contract.onnx.file)}: ONNX Runtime cannot load the model`,
    );
    expect((error as Error).message).toContain('TreeEnsembleClassifiez');
  });

  it('refuses to run once disposed', async () => {
    const model = await ModelSession.create(storageFor(AI4I_MODEL), AI4I_MODEL, { threads: 1 });
    const { rows, features } = await firstRowGroup(model);
    await model.dispose();
    await expect(model.predict(features, rows)).rejects.toThrow(/disposed/);
  });
});
