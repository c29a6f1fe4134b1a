import { createHash } from 'node:crypto';
import type * as arrow from 'apache-arrow';
import {
  binningFromSample,
  CATEGORY_LIMIT,
  type ColumnBinning,
  type ReferenceBinning,
} from '../domain/drift/binning.js';
import { GRID_FINE_BUCKETS, GRID_STEP, GRID_TAIL_STEP } from '../domain/drift/grid.js';
import {
  columnStatsOf,
  mergeStats,
  summarize,
  type ColumnStats,
  type StatsByColumn,
} from '../domain/stats.js';
import type { ModelSession } from '../inference/model-session.js';
import type { DriftOptionsInput, ReferenceProfile } from '../inference/reference-profile.js';
import { toFloat64 } from '../inference/tensor.js';
import { ParquetFile } from '../parquet/reader.js';
import type { Storage } from '../storage/index.js';
import { PREDICTION_COLUMN, PROBABILITY_COLUMN } from './score-shard.js';

/** Reference values kept per column (a uniform sample) to place the grid and the histogram edges. */
const SAMPLE_SIZE = 20_000;

/**
 * The reference profile of a dataset, for each model feature and for the model's predictions on it. Two
 * passes over the reference (scoring jobs read their data once; the profile is made once per model):
 *
 * 1. moments, the distinct values (up to CATEGORY_LIMIT) and a uniform sample of each column, from which
 *    each column's binning follows: the grid (median and interquartile range of the sample), histogram
 *    edges at the sample's deciles, and the categories of low-cardinality columns;
 * 2. the same statistics the scoring activities compute, on that binning, with exactly the same code.
 *
 * The sample is the whole column up to 20,000 values; beyond, the deciles are estimates (a bin then holds
 * 10% ± about 0.2% of the reference), and the reference's own histogram on them is counted exactly.
 */
export async function profileDataset(
  storage: Storage,
  input: string,
  model: ModelSession,
  drift?: DriftOptionsInput,
): Promise<ReferenceProfile> {
  const surveys = new Map<string, ColumnSurvey>();
  let rows = 0;
  await forEachBatch(storage, input, model, (columns, batchRows) => {
    rows += batchRows;
    for (const [name, values] of columns) {
      let survey = surveys.get(name);
      if (!survey) surveys.set(name, (survey = new ColumnSurvey(surveys.size + 1)));
      survey.add(values);
    }
  });

  const binning: Record<string, ColumnBinning> = {};
  for (const [name, survey] of surveys) binning[name] = survey.binning();
  const id = profileId(binning);

  const { stats } = await datasetStats(storage, input, model, { id, columns: binning });
  const profile: ReferenceProfile = { schemaVersion: 2, id, source: input, rows, binning, stats };
  if (drift) profile.drift = drift;
  return profile;
}

/**
 * Statistics of a dataset's features and model outputs on a reference binning, in one pass: what a scoring
 * job's shards compute and merge, without Temporal or prediction files (profiles, tests, notebooks).
 */
export async function datasetStats(
  storage: Storage,
  input: string,
  model: ModelSession,
  binning: ReferenceBinning | undefined,
): Promise<{ rows: number; stats: StatsByColumn }> {
  let stats: StatsByColumn = {};
  let rows = 0;
  await forEachBatch(storage, input, model, (columns, batchRows) => {
    rows += batchRows;
    const batch: StatsByColumn = {};
    for (const [name, values] of columns) {
      const columnBinning = binning?.columns[name];
      batch[name] = columnStatsFor(
        values,
        binning && columnBinning ? { binning: columnBinning, ref: binning.id } : undefined,
      );
    }
    stats = mergeStats(stats, batch);
  });
  return { rows, stats };
}

/**
 * The id every sketch on this binning carries: a hash of the binning and of the grid's constants, so a
 * profile made with other edges, or by a version with another grid, is never compared with these sketches.
 */
export function profileId(binning: Record<string, ColumnBinning>): string {
  const grid = { step: GRID_STEP, fineBuckets: GRID_FINE_BUCKETS, tailStep: GRID_TAIL_STEP };
  return createHash('sha256').update(JSON.stringify({ grid, binning })).digest('hex').slice(0, 16);
}

/** A column's values as doubles, with how many were Parquet nulls (read as NaN). */
interface ColumnValues {
  values: Float64Array;
  nulls: number;
}

function columnStatsFor(column: ColumnValues, target?: Parameters<typeof columnStatsOf>[2]): ColumnStats {
  const stats = columnStatsOf(column.values, undefined, target);
  stats.nulls = column.nulls;
  stats.nans -= column.nulls;
  return stats;
}

/** Every row group of the input: the model's features and its outputs on them, as named columns. */
async function forEachBatch(
  storage: Storage,
  input: string,
  model: ModelSession,
  visit: (columns: Map<string, ColumnValues>, rows: number) => void,
): Promise<void> {
  for (const object of await storage.list(input, '.parquet')) {
    const file = await ParquetFile.open(storage, object.uri);
    try {
      model.checkColumns(object.uri, file.columns);
      for (let group = 0; group < file.rowGroupRows.length; group++) {
        const batch = await file.readRowGroup(group, model.features);
        const vectors = model.features.map((f) => batch.columns.get(f)!);
        const columns = new Map<string, ColumnValues>();
        model.features.forEach((name, j) => columns.set(name, featureValues(vectors[j]!, batch.rows)));
        const { prediction, probabilities } = await model.predict(vectors, batch.rows);
        if (prediction instanceof Float64Array)
          columns.set(PREDICTION_COLUMN, { values: prediction, nulls: 0 });
        else if (prediction instanceof BigInt64Array)
          columns.set(PREDICTION_COLUMN, { values: Float64Array.from(prediction, Number), nulls: 0 });
        if (probabilities && model.contract.task === 'binary_classification') {
          const p = new Float64Array(batch.rows);
          for (let i = 0; i < batch.rows; i++) p[i] = probabilities[i * 2 + 1]!;
          columns.set(PROBABILITY_COLUMN, { values: p, nulls: 0 });
        }
        visit(columns, batch.rows);
      }
    } finally {
      await file.close();
    }
  }
}

function featureValues(vector: arrow.Vector, rows: number): ColumnValues {
  return { values: toFloat64(vector, rows), nulls: vector.nullCount };
}

/** First-pass knowledge of a column: moments, up to CATEGORY_LIMIT + 1 distinct values, a uniform sample. */
class ColumnSurvey {
  private stats: ColumnStats | undefined;
  private distinct: Set<number> | undefined = new Set();
  private readonly sample = new Float64Array(SAMPLE_SIZE);
  private seen = 0;
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  add(column: ColumnValues): void {
    const batch = columnStatsFor(column);
    this.stats = this.stats ? mergeStats({ c: this.stats }, { c: batch }).c : batch;
    for (const v of column.values) {
      if (!Number.isFinite(v)) continue;
      if (this.distinct) {
        this.distinct.add(v);
        if (this.distinct.size > CATEGORY_LIMIT) this.distinct = undefined;
      }
      // Reservoir sampling (Algorithm R) with a fixed-seed generator: the same data gives the same profile.
      if (this.seen < SAMPLE_SIZE) this.sample[this.seen] = v;
      else {
        const j = Math.floor(this.random() * (this.seen + 1));
        if (j < SAMPLE_SIZE) this.sample[j] = v;
      }
      this.seen++;
    }
  }

  binning(): ColumnBinning {
    const sorted = this.sample.slice(0, Math.min(this.seen, SAMPLE_SIZE)).sort();
    const summary = this.stats ? summarize(this.stats) : { min: null, max: null, std: null };
    return binningFromSample(sorted, summary, this.distinct ? [...this.distinct] : undefined);
  }

  /** xorshift32: tiny, deterministic, plenty for choosing a sample. */
  private random(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }
}
