import { describe, expect, it } from 'vitest';
import { columnStatsOf, mergeColumnStats, summarize } from '../../domain/stats.js';

describe('column statistics', () => {
  const values = [298.1, 298.2, NaN, 300.5, Infinity, 297.9, -Infinity, 301.25];

  it('counts NaN and infinities apart and keeps them out of the moments', () => {
    const stats = columnStatsOf(values);
    expect(stats).toMatchObject({ count: 5, nans: 1, infinities: 2, nulls: 0, min: 297.9, max: 301.25 });
    const finite = [298.1, 298.2, 300.5, 297.9, 301.25];
    const mean = finite.reduce((a, b) => a + b) / finite.length;
    expect(stats.mean).toBeCloseTo(mean, 12);
    const variance = finite.reduce((a, b) => a + (b - mean) ** 2, 0) / (finite.length - 1);
    expect(summarize(stats).std).toBeCloseTo(Math.sqrt(variance), 12);
    expect(summarize(stats).missingRate).toBeCloseTo(1 / 8, 15);
  });

  it('merges in any order to the same counts, min and max, and the same moments', () => {
    const parts = [values.slice(0, 3), values.slice(3, 5), values.slice(5)].map((p) => columnStatsOf(p));
    const whole = columnStatsOf(values);
    const forward = parts.reduce(mergeColumnStats);
    const backward = [...parts].reverse().reduce(mergeColumnStats);
    for (const merged of [forward, backward]) {
      expect(merged).toMatchObject({
        count: whole.count,
        nans: whole.nans,
        infinities: whole.infinities,
        min: whole.min,
        max: whole.max,
      });
      expect(merged.mean).toBeCloseTo(whole.mean, 12);
      expect(merged.m2).toBeCloseTo(whole.m2, 9);
    }
  });

  it('survives a JSON round trip, as Temporal payloads do', () => {
    const empty = columnStatsOf([NaN]);
    const roundTripped = JSON.parse(JSON.stringify(empty)) as typeof empty;
    expect(mergeColumnStats(roundTripped, columnStatsOf([1, 2]))).toMatchObject({
      min: 1,
      max: 2,
      count: 2,
      nans: 1,
    });
  });
});
