import { binningFromSample, type ColumnBinning } from '../../domain/drift/binning.js';
import { columnStatsOf, summarize, type ColumnStats } from '../../domain/stats.js';

/** A deterministic generator for test data (mulberry32), with normal variates by Box-Muller. */
export function random(seed: number) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/** The binning a profile would give these reference values (all of them as the sample). */
export function binningOf(values: readonly number[]): ColumnBinning {
  const finite = values.filter((v) => Number.isFinite(v));
  const summary = summarize(columnStatsOf(values));
  const distinct = [...new Set(finite)];
  return binningFromSample(
    Float64Array.from(finite).sort(),
    summary,
    distinct.length <= 20 ? distinct : undefined,
  );
}

/** Statistics of values sketched on a binning, as a shard computes them. */
export function sketched(values: readonly number[], binning: ColumnBinning, ref = 'test'): ColumnStats {
  return columnStatsOf(values, undefined, { binning, ref });
}
