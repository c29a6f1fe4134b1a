// One measurement per process: node bench_read.mjs <lib> <file>
// Reads id + s00..s19 row group by row group into Float64Array (id also Float64Array), prints JSON.
import fs from 'node:fs'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const [lib, path] = process.argv.slice(2)
const FLOATS = Array.from({ length: 20 }, (_, i) => `s${String(i).padStart(2, '0')}`)
const COLS = ['id', ...FLOATS]
let checksum = 0, rows = 0, rowGroups = 0
function consume(batch, n) { // batch: { name: Float64Array(n) }
  for (const c of COLS) { const a = batch[c]; if (!(a instanceof Float64Array) || a.length !== n) throw new Error(`bad column ${c}`); checksum += a[0] + a[n - 1] }
  rows += n; rowGroups++
}
// byte-range source (what an Azure Blob client would provide): only slice(start, end)
function rangeSource(p) {
  const fd = fs.openSync(p, 'r'); const size = fs.fstatSync(fd).size
  const stats = { reads: 0, bytes: 0 }
  return { stats, byteLength: size, async slice(start, end = size) {
    const buf = Buffer.allocUnsafeSlow(end - start); fs.readSync(fd, buf, 0, end - start, start)
    stats.reads++; stats.bytes += end - start
    return buf.buffer
  } }
}
const t0 = process.hrtime.bigint()
let extra = {}
if (lib === 'hyparquet') {
  const { parquetMetadataAsync, parquetRead } = await import('hyparquet')
  const { compressors } = await import('hyparquet-compressors')
  const file = rangeSource(path)
  const metadata = await parquetMetadataAsync(file)
  let rowStart = 0
  for (const rg of metadata.row_groups) {
    const n = Number(rg.num_rows), rowEnd = rowStart + n
    const batch = Object.fromEntries(COLS.map(c => [c, new Float64Array(n)]))
    await parquetRead({ file, metadata, compressors, columns: COLS, rowStart, rowEnd, onChunk({ columnName, columnData, rowStart: cs }) {
      // a chunk may cover rows outside the requested range; copy the overlap
      const dst = batch[columnName]; const from = Math.max(cs, rowStart), to = Math.min(cs + columnData.length, rowEnd)
      if (columnData instanceof Float64Array) dst.set(columnData.subarray(from - cs, to - cs), from - rowStart)
      else for (let i = from; i < to; i++) dst[i - rowStart] = Number(columnData[i - cs])
      extra.types ??= {}; (extra.types[columnData.constructor.name] ??= new Set()).add(columnName)
    } })
    consume(batch, n); rowStart = rowEnd
  }
  extra.rangeReads = file.stats; for (const k in extra.types) extra.types[k] = extra.types[k].size + ' cols'
} else if (lib === 'parquet-wasm' || lib === 'parquet-wasm-buffer') {
  const pw = await import('parquet-wasm')
  const { tableFromIPC } = await import('apache-arrow')
  let pf, buf
  if (lib === 'parquet-wasm') pf = await pw.ParquetFile.fromFile(await fs.openAsBlob(path)) // Blob.slice range reads
  else buf = new Uint8Array(fs.readFileSync(path))
  const nRg = lib === 'parquet-wasm' ? pf.metadata().numRowGroups() : pw.ParquetFile ? (await pw.ParquetFile.fromFile(await fs.openAsBlob(path))).metadata().numRowGroups() : 0
  for (let i = 0; i < nRg; i++) {
    const wt = lib === 'parquet-wasm' ? await pf.read({ rowGroups: [i], columns: COLS }) : pw.readParquet(buf, { rowGroups: [i], columns: COLS })
    const t = tableFromIPC(wt.intoIPCStream())
    const batch = {}
    for (const c of COLS) {
      const v = t.getChild(c)
      if (c === 'id') { const a = v.toArray(); const f = new Float64Array(a.length); for (let j = 0; j < a.length; j++) f[j] = Number(a[j]); batch[c] = f; extra.idType = a.constructor.name }
      else batch[c] = v.toArray()
    }
    consume(batch, t.numRows)
  }
} else if (lib === '@duckdb/node-api') {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const inst = await DuckDBInstance.create(':memory:', { threads: process.env.DUCKDB_THREADS ?? '2' })
  const conn = await inst.connect()
  const meta = await conn.runAndReadAll(`SELECT row_group_num_rows FROM parquet_metadata('${path}') WHERE column_id = 0 ORDER BY row_group_id`)
  const sizes = meta.getRows().map(r => Number(r[0]))
  const res = await conn.stream(`SELECT ${COLS.join(',')} FROM read_parquet('${path}')`)
  let rg = 0, filled = 0, batch = null
  const newBatch = () => Object.fromEntries(COLS.map(c => [c, new Float64Array(sizes[rg])]))
  batch = newBatch()
  let chunk
  while ((chunk = await res.fetchChunk()) && chunk.rowCount > 0) {
    const n = chunk.rowCount; let off = 0
    while (off < n) {
      const take = Math.min(n - off, sizes[rg] - filled)
      COLS.forEach((c, ci) => {
        const vec = chunk.getColumnVector(ci)
        const dst = batch[c]
        if (c === 'id') for (let j = 0; j < take; j++) dst[filled + j] = Number(vec.getItem(off + j))
        else dst.set(vec.items.subarray(off, off + take), filled) // .items is the Float64Array (TS-private field)
      })
      filled += take; off += take
      if (filled === sizes[rg]) { consume(batch, filled); rg++; filled = 0; if (rg < sizes.length) batch = newBatch() }
    }
  }
} else if (lib === 'parquetjs-lite' || lib === '@dsnp/parquetjs') {
  const parquet = lib === 'parquetjs-lite' ? require('parquetjs-lite') : (await import('@dsnp/parquetjs')).default ?? await import('@dsnp/parquetjs')
  const reader = await parquet.ParquetReader.openFile(path)
  const sizes = reader.metadata.row_groups.map(r => Number(r.num_rows))
  const cursor = reader.getCursor(COLS.map(c => [c]))
  for (const n of sizes) {
    const batch = Object.fromEntries(COLS.map(c => [c, new Float64Array(n)]))
    for (let j = 0; j < n; j++) { const r = await cursor.next(); for (const c of COLS) batch[c][j] = Number(r[c]) }
    consume(batch, n)
  }
  await reader.close()
} else throw new Error('unknown lib ' + lib)
const secs = Number(process.hrtime.bigint() - t0) / 1e9
console.log(JSON.stringify({ lib, file: path.split('/').pop(), rows, rowGroups, secs, rowsPerSec: Math.round(rows / secs), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), checksum, ...extra }))
