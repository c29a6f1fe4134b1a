import path from 'node:path';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AI4I_FEATURES, AI4I_MODEL, tempDir } from '../helpers/paths.js';
import { useTestTemporal } from '../helpers/temporal.js';

/**
 * CPU work that blocked the event loop would starve heartbeats, and the server would time the attempt out
 * while it kept writing. One large shard (600,000 rows in 6 row groups) with a 1-second heartbeat timeout
 * must finish on its first attempt.
 */
const ROWS_PER_GROUP = 100_000;
const GROUPS = 6;

function writeLargeInput(file: string): void {
  const bytes = new ByteWriter();
  const schema = [
    { name: 'schema', num_children: 1 + AI4I_FEATURES.length },
    { name: 'UDI', type: 'INT64' as const, repetition_type: 'REQUIRED' as const },
    ...AI4I_FEATURES.map((name) => ({ name, type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const })),
  ];
  const writer = new ParquetWriter({ writer: bytes, schema });
  const centre = [300, 310, 1500, 40, 100];
  for (let g = 0; g < GROUPS; g++) {
    const udi = BigInt64Array.from({ length: ROWS_PER_GROUP }, (_, i) => BigInt(g * ROWS_PER_GROUP + i + 1));
    const columns = centre.map((c, j) =>
      Float64Array.from({ length: ROWS_PER_GROUP }, (_, i) => c + ((i * (j + 7)) % 97) / 10),
    );
    void writer.write({
      rowGroupSize: ROWS_PER_GROUP,
      columnData: [
        { name: 'UDI', data: udi },
        ...AI4I_FEATURES.map((name, j) => ({ name, data: columns[j]! })),
      ],
    });
  }
  void writer.finish();
  writeFileSync(file, bytes.getBytes());
}

const t = useTestTemporal();

describe('a large shard with a short heartbeat timeout', () => {
  it('heartbeats between row groups and finishes on its first attempt', async () => {
    const input = path.join(tempDir('large-input'), 'large.parquet');
    writeLargeInput(input);
    const job = await t.env.client.startJob({
      input,
      model: AI4I_MODEL,
      output: tempDir('large-output'),
      shardRows: GROUPS * ROWS_PER_GROUP,
      heartbeatTimeoutSeconds: 1,
    });
    const summary = await job.result();
    expect(summary).toMatchObject({
      status: 'completed',
      rowsScored: GROUPS * ROWS_PER_GROUP,
      shards: { planned: 1, done: 1 },
    });
    // One attempt: no ActivityTaskTimedOut in the partition's history.
    const partition = t.env.client.client.workflow.getHandle(`${job.jobId}/partition-00000`);
    const history = await partition.fetchHistory();
    const timeouts = (history.events ?? []).filter((e) => e.activityTaskTimedOutEventAttributes);
    expect(timeouts).toEqual([]);
  }, 180_000);
});
