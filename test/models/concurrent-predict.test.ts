import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelSession } from '../../inference/model-session.js';
import { ParquetFile } from '../../parquet/reader.js';
import { storageFor } from '../../storage/index.js';
import { AI4I_MODEL, AI4I_PARQUET } from '../helpers/paths.js';

/** One session serves every shard of a worker: concurrent calls must not share input buffers. */
describe('ModelSession.predict under concurrency', () => {
  it('gives each of many overlapping calls its own rows', async () => {
    const storage = storageFor(AI4I_MODEL);
    const model = await ModelSession.create(storage, AI4I_MODEL);
    const files = await Promise.all(
      ['part-000', 'part-001', 'part-002', 'part-003'].map((p) =>
        ParquetFile.open(storage, path.join(AI4I_PARQUET, `${p}.parquet`)),
      ),
    );
    try {
      const batches = await Promise.all(files.map((f) => f.readRowGroup(0, model.features)));
      const inputs = batches.map((b) => model.features.map((f) => b.columns.get(f)!));
      const sequential: Float32Array[] = [];
      for (let i = 0; i < inputs.length; i++)
        sequential.push((await model.predict(inputs[i]!, batches[i]!.rows)).probabilities!);
      for (let round = 0; round < 5; round++) {
        const concurrent = await Promise.all(
          inputs.map((features, i) => model.predict(features, batches[i]!.rows)),
        );
        concurrent.forEach((p, i) => expect(p.probabilities).toEqual(sequential[i]));
      }
    } finally {
      await Promise.all(files.map((f) => f.close()));
      await model.dispose();
    }
  });
});
