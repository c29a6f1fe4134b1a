// Runs every read/write measurement 3 times, each in a fresh process; prints medians and writes bench.json.
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
const BENCH = process.env.BENCH_DIR ?? new URL('./bench/', import.meta.url).pathname
const OUT = process.env.OUT_DIR ?? new URL('./out/', import.meta.url).pathname
fs.mkdirSync(OUT, { recursive: true })
const READERS = ['hyparquet', 'parquet-wasm', 'parquet-wasm-buffer', '@duckdb/node-api', '@dsnp/parquetjs', 'parquetjs-lite']
const WRITERS = ['hyparquet-writer', 'parquet-wasm', '@duckdb/node-api', '@dsnp/parquetjs', 'parquetjs-lite']
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
function run(script, args) {
  try { return JSON.parse(execFileSync(process.execPath, [new URL(script, import.meta.url).pathname, ...args], { encoding: 'utf8', timeout: 300000, stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop()) }
  catch (e) { return { error: String(e.stderr || e.message).split('\n').find(l => /Error|error|invalid/.test(l))?.trim().slice(0, 160) ?? 'failed' } }
}
const results = { read: [], write: [] }
for (const codec of ['snappy', 'zstd']) for (const lib of READERS) {
  const runs = []
  for (let i = 0; i < 3; i++) { const r = run('bench_read.mjs', [lib, `${BENCH}/sensor_1m_${codec}.parquet`]); runs.push(r); if (r.error) break }
  const ok = runs.filter(r => !r.error)
  const row = ok.length === 3 ? { lib, codec, rowsPerSec: median(ok.map(r => r.rowsPerSec)), secs: median(ok.map(r => r.secs)), maxRssMB: median(ok.map(r => r.maxRssMB)), runs } : { lib, codec, error: runs.find(r => r.error)?.error, runs }
  results.read.push(row); console.log('read', JSON.stringify({ ...row, runs: undefined }))
}
for (const lib of WRITERS) {
  const runs = []
  for (let i = 0; i < 3; i++) { const r = run('bench_write.mjs', [lib, `${OUT}/w_${lib.replace(/[@/]/g, '')}.parquet`]); runs.push(r); if (r.error) break }
  const ok = runs.filter(r => !r.error)
  const row = ok.length === 3 ? { lib, rowsPerSec: median(ok.map(r => r.rowsPerSec)), secs: median(ok.map(r => r.secs)), maxRssMB: median(ok.map(r => r.maxRssMB)), bytes: ok[0].bytes, runs } : { lib, error: runs.find(r => r.error)?.error, runs }
  results.write.push(row); console.log('write', JSON.stringify({ ...row, runs: undefined }))
}
fs.writeFileSync(process.env.BENCH_JSON ?? 'bench.json', JSON.stringify(results, null, 1))
