// Parent: run every library x file in its own child process with a 30 s timeout.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
const DATA = process.env.PQ_TESTING ?? '/work/shared/datasets/parquet-testing'
const TRUTH = process.env.TRUTH_DIR ?? new URL('./truth/', import.meta.url).pathname
const LIBS = (process.env.LIBS ?? 'parquetjs-lite,@dsnp/parquetjs,hyparquet,parquet-wasm,@duckdb/node-api').split(',')
const files = [...fs.readdirSync(`${DATA}/data`).map(f => `data/${f}`), ...fs.readdirSync(`${DATA}/bad_data`).map(f => `bad_data/${f}`)].filter(f => f.endsWith('.parquet')).filter(f => !process.env.ONLY || f.includes(process.env.ONLY)).sort()
function run(lib, file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [new URL('./check_one.mjs', import.meta.url).pathname, lib, `${DATA}/${file}`, `${TRUTH}/${file.replace('/', '__')}.json`], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = '', err = ''
    child.stdout.on('data', d => (out += d)); child.stderr.on('data', d => (err += d))
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve({ status: 'hang', message: 'killed after 30 s' }) }, 30000)
    child.on('exit', (code, sig) => {
      clearTimeout(timer)
      const line = out.trim().split('\n').pop()
      try { resolve(JSON.parse(line)) } catch { resolve({ status: 'crash', message: `exit ${code} ${sig ?? ''} ${err.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}` }) }
    })
  })
}
const results = {}
for (const file of files) {
  results[file] = {}
  for (const lib of LIBS) {
    const r = await run(lib, file)
    results[file][lib] = r
    console.error(file.padEnd(42), lib.padEnd(18), r.status, r.message ?? r.note ?? '', Object.entries(r.columns ?? {}).filter(([, v]) => v !== 'ok').map(([k, v]) => `${k}=${v}`).join('; ').slice(0, 400))
  }
}
fs.writeFileSync(process.env.OUT ?? 'correctness.json', JSON.stringify(results, null, 1))
