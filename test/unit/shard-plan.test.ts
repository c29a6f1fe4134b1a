import { describe, expect, it } from 'vitest';
import { planShards, shardIdFor } from '../../domain/shard-plan.js';

describe('planShards', () => {
  it('groups whole row groups up to the shard size and never splits a row group', () => {
    const shards = planShards(
      [
        { uri: 'a.parquet', rowGroupRows: [1000, 1000, 1000, 500], bytes: 1 },
        { uri: 'b.parquet', rowGroupRows: [5000], bytes: 1 },
      ],
      2000,
    );
    expect(shards.map((s) => [s.fileUri, s.rowGroupStart, s.rowGroupEnd, s.firstRow, s.rows])).toEqual([
      ['a.parquet', 0, 2, 0, 2000],
      ['a.parquet', 2, 4, 2000, 1500],
      ['b.parquet', 0, 1, 0, 5000],
    ]);
  });

  it('covers every row exactly once', () => {
    const files = [{ uri: 'x', rowGroupRows: [7, 0, 13, 1, 99, 0, 4], bytes: 1 }];
    for (const size of [1, 5, 13, 20, 1000]) {
      const shards = planShards(files, size);
      expect(shards.reduce((n, s) => n + s.rows, 0)).toBe(124);
      shards.forEach((s, i) => {
        if (i > 0) expect(s.rowGroupStart).toBe(shards[i - 1]!.rowGroupEnd);
      });
    }
  });

  it('yields no shard for a file without rows', () => {
    expect(planShards([{ uri: 'empty', rowGroupRows: [], bytes: 4 }], 10)).toEqual([]);
  });

  it('derives stable shard ids from file position and row-group range', () => {
    expect(shardIdFor(3, 10, 12)).toBe('f000003-rg00010-00012');
  });
});
