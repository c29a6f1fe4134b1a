// Recommended reader: hyparquet. Reads ONE row group of chosen columns into Float64Array,
// using only byte-range access (the shape of an Azure Blob `download(offset, count)` call).
// Usage: node example_read_rowgroup.mjs file.parquet [rowGroupIndex]
import fs from 'node:fs'
import { parquetMetadataAsync, parquetRead } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

/** AsyncBuffer over any range reader. For Azure: slice = (s, e) => blobClient.download(s, e - s) -> ArrayBuffer */
function rangeFile(path) {
  const fd = fs.openSync(path, 'r')
  const byteLength = fs.fstatSync(fd).size
  return {
    byteLength,
    async slice(start, end = byteLength) {
      const buf = Buffer.allocUnsafeSlow(end - start) // own ArrayBuffer, not the shared pool
      fs.readSync(fd, buf, 0, end - start, start)
      return buf.buffer
    },
  }
}

export async function readRowGroup(file, metadata, rgIndex, columns, label = 'file') {
  let rowStart = 0
  for (let i = 0; i < rgIndex; i++) rowStart += Number(metadata.row_groups[i].num_rows)
  const n = Number(metadata.row_groups[rgIndex].num_rows)
  const rowEnd = rowStart + n
  const out = Object.fromEntries(columns.map(c => [c, new Float64Array(n)]))
  const nulls = Object.fromEntries(columns.map(c => [c, 0]))
  try {
    await parquetRead({
      file, metadata, compressors, columns, rowStart, rowEnd,
      onChunk({ columnName, columnData, rowStart: cs }) {
        // columnData is a JS Array (or typed array); values: number | bigint (INT64) | null
        const dst = out[columnName]
        const from = Math.max(cs, rowStart), to = Math.min(cs + columnData.length, rowEnd)
        for (let r = from; r < to; r++) {
          const v = columnData[r - cs]
          if (v === null || v === undefined) { dst[r - rowStart] = NaN; nulls[columnName]++ } else dst[r - rowStart] = Number(v)
        }
      },
    })
  } catch (e) { // hyparquet's messages do not name the file / row group: add them
    throw new Error(`${label}: row group ${rgIndex}: ${e.message}`, { cause: e })
  }
  return { rows: n, columns: out, nulls }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2]
  const file = rangeFile(path)
  const metadata = await parquetMetadataAsync(file) // reads the footer with 1-2 range requests
  const cols = metadata.schema.slice(1).filter(s => s.type === 'DOUBLE' || s.type === 'INT64' && !s.converted_type && !s.logical_type).map(s => s.name)
  const rg = await readRowGroup(file, metadata, Number(process.argv[3] ?? 0), cols, path)
  console.log(rg.rows, 'rows;', Object.entries(rg.columns).slice(0, 3).map(([k, a]) => `${k}: ${a.constructor.name}[${a[0]}, ${a[1]}, ...]`).join('; '), 'nulls', rg.nulls.id ?? 0)
}
