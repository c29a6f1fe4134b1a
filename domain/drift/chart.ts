import type { Grid } from './grid.js';
import type { GridDistribution } from './distribution.js';
import type { Chart } from './report.js';

/** Display bins of the numeric chart: enough to show a shape in a table cell. */
const DISPLAY_BINS = 30;
/** The drawn range covers both sides from this quantile to 1 minus it, so one outlier cannot flatten it. */
const DISPLAY_TAIL = 0.005;

/** Reference and current shares on equal-width bins over the central 99% of both together. */
export function histogramChart(ref: GridDistribution, cur: GridDistribution, grid: Grid): Chart {
  let lo = Math.min(ref.quantile(DISPLAY_TAIL)!, cur.quantile(DISPLAY_TAIL)!);
  let hi = Math.max(ref.quantile(1 - DISPLAY_TAIL)!, cur.quantile(1 - DISPLAY_TAIL)!);
  if (!(hi > lo)) {
    // One value on both sides: a window one grid scale wide around it.
    lo -= grid.scale;
    hi += grid.scale;
  }
  const edges = Array.from({ length: DISPLAY_BINS + 1 }, (_, i) =>
    i === DISPLAY_BINS ? hi : lo + ((hi - lo) * i) / DISPLAY_BINS,
  );
  const shares = (d: GridDistribution) => {
    const cdf = edges.map((e) => d.cdf(e));
    return cdf.slice(1).map((c, i) => Math.max(0, c - cdf[i]!));
  };
  // cdf(x) is the share below x, so values equal to the top edge count as above the drawn range.
  const above = (d: GridDistribution) => Math.max(0, 1 - d.cdf(hi));
  return {
    kind: 'histogram',
    edges,
    reference: shares(ref),
    current: shares(cur),
    below: { reference: ref.cdf(lo), current: cur.cdf(lo) },
    above: { reference: above(ref), current: above(cur) },
  };
}

/** Shares per value, for columns known value by value. */
export function categoryChart(
  keys: readonly number[],
  ref: readonly number[],
  cur: readonly number[],
): Chart {
  const nr = ref.reduce((a, b) => a + b, 0);
  const nc = cur.reduce((a, b) => a + b, 0);
  return {
    kind: 'categories',
    labels: keys.map((k) => String(k)),
    reference: ref.map((n) => (nr > 0 ? n / nr : 0)),
    current: cur.map((n) => (nc > 0 ? n / nc : 0)),
  };
}
