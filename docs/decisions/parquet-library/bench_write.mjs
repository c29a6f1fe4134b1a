// One measurement per process: node bench_write.mjs <lib> <outfile>
// Writes 1M rows: id int64, prediction float64, probability float64, model_version string (snappy).
import fs from 'node:fs'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const [lib, out] = process.argv.slice(2)
const N = Number(process.env.ROWS ?? 1_000_000), RG = 122_880
let seed = 12345; const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
const id = new BigInt64Array(N), prediction = new Float64Array(N), probability = new Float64Array(N), model_version = new Array(N)
for (let i = 0; i < N; i++) { id[i] = BigInt(i); prediction[i] = Math.round(rand() * 100000) / 1000; probability[i] = rand(); model_version[i] = i % 2 ? 'rul-v1.4.2' : 'rul-v1.4.3' }
const t0 = process.hrtime.bigint()
if (lib === 'hyparquet-writer') {
  const { ParquetWriter, fileWriter } = await import('hyparquet-writer')
  const writer = new ParquetWriter({ writer: fileWriter(out), codec: 'SNAPPY', schema: [
    { name: 'root', num_children: 4 },
    { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
    { name: 'prediction', type: 'DOUBLE', repetition_type: 'REQUIRED' },
    { name: 'probability', type: 'DOUBLE', repetition_type: 'REQUIRED' },
    { name: 'model_version', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  ] })
  for (let s = 0; s < N; s += RG) { // one call per row group = bounded memory when streaming batches
    const e = Math.min(N, s + RG)
    await writer.write({ rowGroupSize: RG, columnData: [
      { name: 'id', data: id.subarray(s, e) }, { name: 'prediction', data: prediction.subarray(s, e) },
      { name: 'probability', data: probability.subarray(s, e) }, { name: 'model_version', data: model_version.slice(s, e) },
    ] })
  }
  await writer.finish()
} else if (lib === 'parquet-wasm') {
  const pw = await import('parquet-wasm')
  const arrow = await import('apache-arrow')
  const table = new arrow.Table({
    id: arrow.makeVector(id), prediction: arrow.makeVector(prediction), probability: arrow.makeVector(probability),
    model_version: arrow.vectorFromArray(model_version, new arrow.Utf8()),
  })
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY).setMaxRowGroupSize(RG).build()
  const bytes = pw.writeParquet(pw.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), props)
  fs.writeFileSync(out, bytes)
} else if (lib === '@duckdb/node-api') {
  const { DuckDBInstance } = await import('@duckdb/node-api')
  const inst = await DuckDBInstance.create(':memory:')
  const conn = await inst.connect()
  await conn.run('CREATE TABLE t (id BIGINT, prediction DOUBLE, probability DOUBLE, model_version VARCHAR)')
  const app = await conn.createAppender('t')
  for (let i = 0; i < N; i++) { app.appendBigInt(id[i]); app.appendDouble(prediction[i]); app.appendDouble(probability[i]); app.appendVarchar(model_version[i]); app.endRow() }
  app.closeSync()
  await conn.run(`COPY t TO '${out}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${RG})`)
} else if (lib === 'parquetjs-lite' || lib === '@dsnp/parquetjs') {
  const parquet = lib === 'parquetjs-lite' ? require('parquetjs-lite') : (await import('@dsnp/parquetjs')).default ?? await import('@dsnp/parquetjs')
  const schema = new parquet.ParquetSchema({ id: { type: 'INT64', compression: 'SNAPPY' }, prediction: { type: 'DOUBLE', compression: 'SNAPPY' }, probability: { type: 'DOUBLE', compression: 'SNAPPY' }, model_version: { type: 'UTF8', compression: 'SNAPPY' } })
  const w = await parquet.ParquetWriter.openFile(schema, out, { rowGroupSize: RG })
  w.setRowGroupSize?.(RG)
  for (let i = 0; i < N; i++) await w.appendRow({ id: lib === 'parquetjs-lite' ? Number(id[i]) : id[i], prediction: prediction[i], probability: probability[i], model_version: model_version[i] })
  await w.close()
} else throw new Error('unknown lib ' + lib)
const secs = Number(process.hrtime.bigint() - t0) / 1e9
console.log(JSON.stringify({ lib, rows: N, secs, rowsPerSec: Math.round(N / secs), maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024), bytes: fs.statSync(out).size }))
