import path from 'node:path';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ParquetFile } from '../../parquet/reader.js';
import { PartWriter, type OutputColumn, type OutputValues } from '../../parquet/writer.js';
import { storageFor } from '../../storage/index.js';
import { tempDir } from '../helpers/paths.js';

/**
 * PartWriter's fast row groups (parquet/fast-writer.ts) must read back exactly, through hyparquet as any
 * other reader would, mixed in one file with row groups hyparquet-writer encodes.
 */
const columns: OutputColumn[] = [
  { name: 'id', kind: 'int64' },
  { name: 'ts', kind: 'timestamp_ms' },
  { name: 'prediction', kind: 'int64' },
  { name: 'probability', kind: 'float64' },
  { name: 'score32', kind: 'float32' },
  { name: 'count', kind: 'int32' },
  { name: 'model_version', kind: 'string' },
  { name: 'label', kind: 'string' },
];

function group(rows: number, offset: number, withNullIds: boolean): Map<string, OutputValues> {
  const ids = new BigInt64Array(rows).map((_, i) => BigInt(offset + i) * 3_000_000_019n - 2n ** 62n);
  const validity = new Uint8Array((rows + 7) >> 3).fill(0xff);
  let nullCount = 0;
  if (withNullIds) {
    for (const i of [0, 5, 6, 7, rows - 1]) {
      validity[i >> 3]! &= ~(1 << (i & 7));
      ids[i] = 0n;
      nullCount++;
    }
  }
  const id = withNullIds
    ? arrow.makeVector(
        arrow.makeData({
          type: new arrow.Int64(),
          length: rows,
          nullCount,
          nullBitmap: validity,
          data: ids,
        } as never) as arrow.Data,
      )
    : ids;
  const probability = new Float64Array(rows).map((_, i) => Math.fround((i * 0.618) % 1));
  probability[1] = NaN;
  probability[2] = -0;
  return new Map<string, OutputValues>([
    ['id', id],
    ['ts', new BigInt64Array(rows).map((_, i) => 1_700_000_000_000n + BigInt(offset + i) * 1000n)],
    ['prediction', new BigInt64Array(rows).map((_, i) => (i % 7 === 0 ? 1n : 0n))],
    ['probability', probability],
    ['score32', new Float32Array(rows).map((_, i) => i / 3)],
    ['count', new Int32Array(rows).map((_, i) => (i % 2 ? -i : i * 1000))],
    ['model_version', new Array<string>(rows).fill('2.1.0')],
    ['label', Array.from({ length: rows }, (_, i) => ['ok', 'failure', 'unknown', 'naïve ✓'][i % 4]!)],
  ]);
}

describe('PartWriter fast row groups', () => {
  it('read back exactly, with nulls, NaN, -0, int64 extremes and dictionary strings', async () => {
    const dir = tempDir('fast-writer');
    const uri = path.join(dir, 'part.parquet');
    const storage = storageFor(uri);
    const writer = new PartWriter(await storage.createSink(uri), columns, { 'batch-score.test': 'yes' });
    const groups = [group(1000, 0, false), group(37, 1000, true), group(3, 2000, false)];
    for (const g of groups) await writer.write(g.get('prediction')!.length, g);
    // A group the fast path does not take (an Arrow string vector) goes through hyparquet-writer.
    const slow = group(10, 3000, false);
    slow.set('model_version', arrow.vectorFromArray(new Array<string>(10).fill('2.1.0'), new arrow.Utf8()));
    await writer.write(10, slow);
    groups.push(slow);
    await writer.commit();

    const file = await ParquetFile.open(storage, uri);
    try {
      expect(file.rowGroupRows).toEqual([1000, 37, 3, 10]);
      expect(file.metadata.key_value_metadata).toContainEqual({ key: 'batch-score.test', value: 'yes' });
      for (const [g, expected] of groups.entries()) {
        const batch = await file.readRowGroup(
          g,
          columns.map((c) => c.name),
          { hyparquetOnly: true },
        );
        for (const column of columns) {
          const got = batch.columns.get(column.name)!;
          const want = expected.get(column.name)!;
          const wantAt = (i: number): unknown =>
            want instanceof arrow.Vector ? want.get(i) : (want as ArrayLike<unknown>)[i];
          for (let i = 0; i < batch.rows; i++) {
            const a = got.get(i) as unknown;
            const b = wantAt(i);
            if (column.kind === 'float32' || column.kind === 'float64')
              expect(Object.is(a, b), `${column.name}[${i}]`).toBe(true);
            else if (column.kind === 'timestamp_ms') expect(a).toBe(Number(b));
            else expect(a, `${column.name}[${i}] of group ${g}`).toEqual(b);
          }
        }
      }
      const stats = file.metadata.row_groups[0]!.columns.find((c) => c.meta_data?.path_in_schema[0] === 'id')!
        .meta_data!.statistics!;
      expect(stats.min_value).toBe(-(2n ** 62n));
      expect(stats.max_value).toBe(999n * 3_000_000_019n - 2n ** 62n);
      const prob = file.metadata.row_groups[0]!.columns.find(
        (c) => c.meta_data?.path_in_schema[0] === 'probability',
      )!.meta_data!.statistics!;
      expect(prob.null_count).toBe(0n);
      expect(Object.is(prob.min_value, -0)).toBe(true);
    } finally {
      await file.close();
    }
  });
});
