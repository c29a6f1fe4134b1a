import { ModelSession } from '../../inference/model-session.js';
import { ParquetFile } from '../../parquet/reader.js';
import { storageFor } from '../../storage/index.js';

export interface ScoredRows {
  labels: number[];
  values: number[];
  /** probabilities[k][i]: probability of class k for row i. */
  probabilities: number[][];
}

/** Scores every row of a dataset in file and row-group order with the ONNX Runtime facade. */
export async function scoreAllRows(modelFolder: string, data: string): Promise<ScoredRows> {
  const storage = storageFor(data);
  const model = await ModelSession.create(storage, modelFolder);
  const classes = model.contract.classes?.length ?? 0;
  const out: ScoredRows = {
    labels: [],
    values: [],
    probabilities: Array.from({ length: classes }, () => []),
  };
  try {
    for (const object of await storage.list(data, '.parquet')) {
      const file = await ParquetFile.open(storage, object.uri);
      try {
        for (let g = 0; g < file.rowGroupRows.length; g++) {
          const batch = await file.readRowGroup(g, model.features);
          const p = await model.predict(
            model.features.map((f) => batch.columns.get(f)!),
            batch.rows,
          );
          for (let i = 0; i < batch.rows; i++) {
            const v = p.prediction[i]!;
            if (typeof v === 'bigint') out.labels.push(Number(v));
            else out.values.push(v as number);
            for (let k = 0; k < classes; k++) out.probabilities[k]!.push(p.probabilities![i * classes + k]!);
          }
        }
      } finally {
        await file.close();
      }
    }
  } finally {
    await model.dispose();
  }
  return out;
}

/** Reads whole columns of a (small) Parquet file as plain numbers. */
export async function readNumericColumns(uri: string, columns?: string[]): Promise<Record<string, number[]>> {
  const file = await ParquetFile.open(storageFor(uri), uri);
  try {
    const names = columns ?? file.columns.map((c) => c.name);
    const out: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let g = 0; g < file.rowGroupRows.length; g++) {
      const batch = await file.readRowGroup(g, names);
      for (const name of names) {
        const vector = batch.columns.get(name)!;
        for (let i = 0; i < batch.rows; i++) {
          const v: unknown = vector.get(i);
          out[name]!.push(v === null ? NaN : Number(v));
        }
      }
    }
    return out;
  } finally {
    await file.close();
  }
}
