import { columnStatsOf, mergeStats, type StatsByColumn } from '../domain/stats.js';
import type { ModelSession } from '../inference/model-session.js';
import type { ReferenceProfile } from '../inference/reference-profile.js';
import { toFloat64 } from '../inference/tensor.js';
import { ParquetFile } from '../parquet/reader.js';
import type { Storage } from '../storage/index.js';
import { PREDICTION_COLUMN, PROBABILITY_COLUMN } from './score-shard.js';

/**
 * The reference profile of a dataset: the same mergeable statistics the scoring activities compute, over
 * every row of the reference data, for each model feature and for the model's own predictions on it.
 */
export async function profileDataset(
  storage: Storage,
  input: string,
  model: ModelSession,
): Promise<ReferenceProfile> {
  const objects = await storage.list(input, '.parquet');
  let stats: StatsByColumn = {};
  let rows = 0;
  for (const object of objects) {
    const file = await ParquetFile.open(storage, object.uri);
    try {
      model.checkColumns(object.uri, file.columns);
      for (let group = 0; group < file.rowGroupRows.length; group++) {
        const batch = await file.readRowGroup(group, model.features);
        const features = model.features.map((f) => batch.columns.get(f)!);
        const batchStats: StatsByColumn = {};
        features.forEach((vector, j) => {
          const column = columnStatsOf(toFloat64(vector, batch.rows));
          column.nulls = vector.nullCount;
          column.nans -= vector.nullCount;
          batchStats[model.features[j]!] = column;
        });
        const predictions = await model.predict(features, batch.rows);
        const { prediction, probabilities } = predictions;
        if (prediction instanceof Float64Array) batchStats[PREDICTION_COLUMN] = columnStatsOf(prediction);
        else if (prediction instanceof BigInt64Array)
          batchStats[PREDICTION_COLUMN] = columnStatsOf(Float64Array.from(prediction, Number));
        if (probabilities && model.contract.task === 'binary_classification') {
          const p = new Float64Array(batch.rows);
          for (let i = 0; i < batch.rows; i++) p[i] = probabilities[i * 2 + 1]!;
          batchStats[PROBABILITY_COLUMN] = columnStatsOf(p);
        }
        stats = mergeStats(stats, batchStats);
        rows += batch.rows;
      }
    } finally {
      await file.close();
    }
  }
  return { schemaVersion: 1, source: input, rows, stats };
}
