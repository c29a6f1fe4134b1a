// Child process: read one file with one library, compare against pyarrow truth, print one JSON line.
import fs from 'node:fs'
import { adapters } from './adapters.mjs'
const [lib, path, truthPath] = process.argv.slice(2)
const truth = JSON.parse(fs.readFileSync(truthPath, 'utf8'))
const RANK = { ok: 0, lossy: 1, raw: 2, wrong: 3 }
const worst = (a, b) => (RANK[a] >= RANK[b] ? a : b)
const hex = (u8) => Buffer.from(u8.buffer ? new Uint8Array(u8.buffer, u8.byteOffset, u8.byteLength) : u8).toString('hex')
const isBytes = (v) => v instanceof Uint8Array || Buffer.isBuffer(v)
const show = (v) => { try { return JSON.stringify(v, (k, x) => typeof x === 'bigint' ? x + 'n' : isBytes(x) ? 'bytes:' + hex(x) : x)?.slice(0, 120) } catch { return String(v).slice(0, 120) } }

function eq(t, v) {
  if (t === null) return v === null || v === undefined ? 'ok' : 'wrong'
  if (v === null || v === undefined) return 'wrong'
  if (Array.isArray(t)) {
    if (v && typeof v.toArray === 'function' && !Array.isArray(v)) v = Array.from(v.toArray())
    if (!Array.isArray(v) && !(ArrayBuffer.isView(v))) { if (v && Array.isArray(v.list)) v = v.list.map(e => e.element); else return 'wrong' }
    v = Array.from(v)
    if (v.length !== t.length) return 'wrong'
    return t.reduce((s, x, i) => worst(s, eq(x, v[i])), 'ok')
  }
  if (t.k === undefined) { // struct
    if (typeof v !== 'object') return 'wrong'
    if (typeof v.toJSON === 'function' && !(v instanceof Date)) v = v.toJSON()
    return Object.keys(t).reduce((s, k) => worst(s, eq(t[k], v[k] === undefined ? null : v[k])), 'ok')
  }
  switch (t.k) {
    case 'bool': return v === t.v ? 'ok' : 'wrong'
    case 'int': {
      if (typeof v === 'bigint') return v === BigInt(t.v) ? 'ok' : 'wrong'
      if (typeof v === 'number') return Number.isInteger(v) && BigInt(v) === BigInt(t.v) ? 'ok' : (v === Number(t.v) ? 'lossy' : 'wrong')
      if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v) === BigInt(t.v) ? 'raw' : 'wrong' // number returned as string
      return 'wrong'
    }
    case 'float': {
      if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v) === Number(t.v) ? 'raw' : 'wrong'
      if (typeof v !== 'number') return 'wrong'
      if (t.v === 'NaN') return Number.isNaN(v) ? 'ok' : 'wrong'
      return v === Number(t.v) ? 'ok' : 'wrong'
    }
    case 'str':
      if (typeof v === 'string') return v === t.v ? 'ok' : 'wrong'
      if (isBytes(v)) return Buffer.from(v).toString('utf8') === t.v ? 'raw' : 'wrong'
      return 'wrong'
    case 'bin':
      if (isBytes(v)) return hex(v) === t.v ? 'ok' : 'wrong'
      if (typeof v === 'string') return Buffer.from(v, 'utf8').toString('hex') === t.v ? 'ok' : 'wrong' // decoded as utf8 text; same bytes
      return 'wrong'
    case 'dec': {
      const exp = Number(t.v)
      if (v && v.__decimal !== undefined) { // arrow decimal: String(v) gives unscaled integer
        const s = v.__decimal; const scaled = Number(s) / 10 ** v.scale
        return s.includes('.') ? (Number(s) === exp ? 'ok' : 'wrong') : (scaled === exp ? 'raw' : 'wrong')
      }
      if (typeof v === 'number') return Math.abs(v - exp) < 1e-9 * Math.max(1, Math.abs(exp)) ? 'ok' : (v === exp * 10 ** t.scale ? 'raw' : 'wrong')
      if (typeof v === 'string') return Number(v) === exp ? 'ok' : 'wrong'
      if (typeof v === 'bigint') return Number(v) === exp * 10 ** t.scale ? 'raw' : 'wrong'
      if (isBytes(v)) return 'raw'
      if (v && typeof v.toDouble === 'function') return v.toDouble() === exp ? 'ok' : 'wrong'
      return 'wrong'
    }
    case 'ts_ns': {
      const ns = BigInt(t.v)
      let x = v, unit = null
      if (v && v.__ts !== undefined) { // apache-arrow: Timestamp.get() returns epoch milliseconds as a (possibly fractional) number, whatever the unit
        x = v.__ts
        if (typeof x === 'bigint') { const m = [1000000000n, 1000000n, 1000n, 1n][v.unit]; return x * m === ns ? 'ok' : 'wrong' }
        if (Number.isInteger(x) && BigInt(x) * 1000000n === ns) return 'ok'
        return Math.abs(x * 1e6 - Number(ns)) <= Math.max(1000, Math.abs(Number(ns)) * 1e-15) ? 'lossy' : 'wrong'
      }
      if (x instanceof Date) {
        const ms = x.getTime(); if (Number.isNaN(ms)) return 'wrong'
        const diff = BigInt(ms) * 1000000n - ns
        return diff === 0n ? 'ok' : (diff > -1000000n && diff < 1000000n ? 'lossy' : 'wrong')
      }
      if (typeof x === 'bigint' || typeof x === 'number') {
        if (typeof x === 'number' && !Number.isFinite(x)) return 'wrong'
        const mults = unit != null ? [[1000000000n, 1000000n, 1000n, 1n][unit]] : [1n, 1000n, 1000000n]
        for (const m of mults) {
          if (typeof x === 'bigint' && x * m === ns) return 'ok'
          if (typeof x === 'number') { if (Number.isInteger(x) && BigInt(x) * m === ns) return 'ok'; if (Math.abs(x * Number(m) - Number(ns)) < 1e6) return 'lossy' }
        }
        return 'wrong'
      }
      if (v && typeof v.micros === 'bigint') return v.micros * 1000n === ns ? 'ok' : 'wrong' // duckdb value objects
      return 'wrong'
    }
    case 'date': return 'wrong'
  }
  return 'wrong'
}

const t0 = Date.now()
try {
  const got = await adapters[lib](path)
  const res = { status: 'ok', columns: {}, ms: 0 }
  if (truth.error) { res.status = 'no-error'; res.note = `returned ${got.__rows} rows; pyarrow: ${truth.error}` }
  else {
    if (got.__rows !== truth.num_rows) { res.status = 'wrong'; res.note = `rows ${got.__rows} != ${truth.num_rows}` }
    for (const [name, tv] of Object.entries(truth.columns)) {
      const gv = got[name]
      if (!gv) { res.columns[name] = 'missing'; res.status = 'wrong'; continue }
      let st = 'ok', ex = null
      for (let i = 0; i < tv.length; i++) {
        if ((truth.skip_rows ?? []).includes(i)) continue
        const s = eq(tv[i], gv[i] === undefined ? null : gv[i])
        if (RANK[s] > RANK[st]) { st = s; ex = `row ${i}: expected ${show(tv[i])} got ${show(gv[i])}` }
      }
      res.columns[name] = ex ? `${st}: ${ex}` : st
      res.status = worst(res.status, st)
    }
  }
  res.ms = Date.now() - t0
  console.log(JSON.stringify(res, (k, x) => typeof x === 'bigint' ? String(x) : x))
} catch (e) {
  console.log(JSON.stringify({ status: 'error', message: String(e?.message ?? e).slice(0, 300), ms: Date.now() - t0 }))
}
process.exit(0)
