/** What planning learns about one Parquet file from its footer. */
export interface PlannedFile {
  uri: string;
  /** Row count of each row group, in file order. */
  rowGroupRows: number[];
  bytes: number;
}

/** A unit of scoring work: a range of whole row groups of one file. Small enough to pass through Temporal. */
export interface Shard {
  /** Stable id derived from the file's position in the plan and the row-group range; names the output part. */
  shardId: string;
  fileIndex: number;
  fileUri: string;
  /** Size of the file when planned: a part scored from a file that changed since is not reused. */
  fileBytes: number;
  /** First row group, inclusive. */
  rowGroupStart: number;
  /** Last row group, exclusive. */
  rowGroupEnd: number;
  /** Index of the shard's first row within its file. */
  firstRow: number;
  rows: number;
}

export function shardIdFor(fileIndex: number, rowGroupStart: number, rowGroupEnd: number): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  return `f${pad(fileIndex, 6)}-rg${pad(rowGroupStart, 5)}-${pad(rowGroupEnd, 5)}`;
}

/**
 * Groups consecutive row groups of each file into shards of at most `shardRows` rows. A row group larger
 * than `shardRows` becomes a shard of its own: row groups are never split, so a shard reads whole pages.
 * Empty row groups join their neighbours; a file with no rows yields no shard.
 */
export function planShards(files: readonly PlannedFile[], shardRows: number): Shard[] {
  const shards: Shard[] = [];
  files.forEach((file, fileIndex) => {
    let start = 0;
    let firstRow = 0;
    let rows = 0;
    const flush = (end: number) => {
      if (rows > 0) {
        shards.push({
          shardId: shardIdFor(fileIndex, start, end),
          fileIndex,
          fileUri: file.uri,
          fileBytes: file.bytes,
          rowGroupStart: start,
          rowGroupEnd: end,
          firstRow,
          rows,
        });
      }
      firstRow += rows;
      start = end;
      rows = 0;
    };
    file.rowGroupRows.forEach((groupRows, group) => {
      if (rows > 0 && rows + groupRows > shardRows) flush(group);
      rows += groupRows;
    });
    flush(file.rowGroupRows.length);
  });
  return shards;
}

/**
 * Consecutive shards grouped so each group holds at most `maxRows` rows and `maxShards` shards; a shard
 * larger than `maxRows` stays alone. Groups of small shards go to one activity each.
 */
export function batchShards(shards: readonly Shard[], maxRows: number, maxShards: number): Shard[][] {
  const groups: Shard[][] = [];
  let group: Shard[] = [];
  let rows = 0;
  for (const shard of shards) {
    if (group.length > 0 && (rows + shard.rows > maxRows || group.length >= maxShards)) {
      groups.push(group);
      group = [];
      rows = 0;
    }
    group.push(shard);
    rows += shard.rows;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
