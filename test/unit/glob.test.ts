import { describe, expect, it } from 'vitest';
import { globBase, globToRegExp, isGlob } from '../../storage/glob.js';

describe('globs', () => {
  it('matches * within a folder and ** across folders', () => {
    expect(globToRegExp('/d/*.parquet').test('/d/a.parquet')).toBe(true);
    expect(globToRegExp('/d/*.parquet').test('/d/x/a.parquet')).toBe(false);
    expect(globToRegExp('/d/**/*.parquet').test('/d/x/y/a.parquet')).toBe(true);
    expect(globToRegExp('/d/**/*.parquet').test('/d/a.parquet')).toBe(true);
    expect(globToRegExp('/d/part-00{1,3}.parquet').test('/d/part-003.parquet')).toBe(true);
    expect(globToRegExp('/d/part-00{1,3}.parquet').test('/d/part-002.parquet')).toBe(false);
    expect(globToRegExp('/d/a [K].parquet').test('/d/a [K].parquet')).toBe(true);
  });

  it('starts listing at the last folder without wildcards', () => {
    expect(globBase('/data/sensors/date=*/part-*.parquet')).toBe('/data/sensors');
    expect(isGlob('/data/plain.parquet')).toBe(false);
  });
});
