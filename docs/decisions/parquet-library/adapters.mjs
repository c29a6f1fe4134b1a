// Read a whole Parquet file with each library and return { name: values[] } per top-level column.
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)

function rowsToColumns(rows) {
  const cols = {}
  rows.forEach((r, i) => {
    for (const k of Object.keys(r)) { (cols[k] ??= [])[i] = r[k] }
  })
  for (const k in cols) { for (let i = 0; i < rows.length; i++) if (!(i in cols[k])) cols[k][i] = null }
  cols.__rows = rows.length
  return cols
}

async function parquetjsLike(mod, path) {
  const reader = await mod.ParquetReader.openFile(path)
  try {
    const cursor = reader.getCursor()
    const rows = []
    let rec
    while ((rec = await cursor.next())) rows.push(rec)
    return rowsToColumns(rows)
  } finally { await reader.close() }
}

export const adapters = {
  'parquetjs-lite': async (path) => parquetjsLike(require('parquetjs-lite'), path),
  '@dsnp/parquetjs': async (path) => parquetjsLike((await import('@dsnp/parquetjs')).default ?? await import('@dsnp/parquetjs'), path),
  'hyparquet': async (path) => {
    const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet')
    const { compressors } = await import('hyparquet-compressors')
    const file = await asyncBufferFromFile(path)
    return rowsToColumns(await parquetReadObjects({ file, compressors }))
  },
  'parquet-wasm': async (path) => {
    const fs = await import('node:fs')
    const { readParquet } = await import('parquet-wasm')
    const { tableFromIPC } = await import('apache-arrow')
    const wasmTable = readParquet(new Uint8Array(fs.readFileSync(path)))
    const table = tableFromIPC(wasmTable.intoIPCStream())
    const cols = { __rows: table.numRows }
    for (const f of table.schema.fields) {
      const v = table.getChild(f.name)
      const arr = []
      for (let i = 0; i < table.numRows; i++) arr.push(arrowToJs(v.get(i), f.type))
      cols[f.name] = arr
    }
    return cols
  },
  '@duckdb/node-api': async (path) => {
    const { DuckDBInstance } = await import('@duckdb/node-api')
    const inst = await DuckDBInstance.create(':memory:')
    const conn = await inst.connect()
    const reader = await conn.runAndReadAll(`SELECT * FROM read_parquet('${path.replace(/'/g, "''")}')`)
    const cols = reader.getColumnsObjectJS()
    cols.__rows = reader.currentRowCount
    return cols
  },
}

// apache-arrow values -> plain JS (structs -> objects, lists -> arrays, decimals -> string)
function arrowToJs(v, type) {
  if (v == null) return null
  const { Type } = require('apache-arrow')
  switch (type.typeId) {
    case Type.Struct: {
      const o = {}
      for (const c of type.children) o[c.name] = arrowToJs(v[c.name], c.type)
      return o
    }
    case Type.List: case Type.LargeList: case Type.FixedSizeList:
      return Array.from({ length: v.length }, (_, i) => arrowToJs(v.get(i), type.children[0].type))
    case Type.Decimal: return { __decimal: String(v), scale: type.scale, raw: v }
    case Type.Timestamp: return { __ts: v, unit: type.unit }
    default: return v
  }
}
