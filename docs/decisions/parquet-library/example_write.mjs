// Recommended writer: hyparquet-writer. Streams row groups (int64 / float64 / string) to a file.
// Usage: node example_write.mjs out.parquet
import { ParquetWriter, fileWriter } from 'hyparquet-writer'

const out = process.argv[2] ?? 'predictions.parquet'
const writer = new ParquetWriter({
  writer: fileWriter(out), // or a custom Writer whose flush() uploads a block (Azure stageBlock) per row group
  codec: 'SNAPPY',
  schema: [
    { name: 'root', num_children: 4 },
    { name: 'id', type: 'INT64', repetition_type: 'REQUIRED' },
    { name: 'prediction', type: 'DOUBLE', repetition_type: 'REQUIRED' },
    { name: 'probability', type: 'DOUBLE', repetition_type: 'OPTIONAL' }, // OPTIONAL: null allowed (plain Array)
    { name: 'model_version', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  ],
})
for (let batch = 0; batch < 3; batch++) { // e.g. one call per scored input row group
  const n = 1000, base = batch * n
  const id = new BigInt64Array(n), prediction = new Float64Array(n), probability = new Array(n), model_version = new Array(n)
  for (let i = 0; i < n; i++) { id[i] = BigInt(base + i); prediction[i] = (base + i) / 8; probability[i] = i === 0 ? null : i / n; model_version[i] = 'rul-v1.4.3' }
  await writer.write({ rowGroupSize: n, columnData: [
    { name: 'id', data: id },                       // BigInt64Array (or Array of bigint)
    { name: 'prediction', data: prediction },       // Float64Array
    { name: 'probability', data: probability },     // Array with nulls
    { name: 'model_version', data: model_version }, // Array of string
  ] })
}
await writer.finish()
console.log('wrote', out)
