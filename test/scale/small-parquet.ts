import { writeFileSync } from 'node:fs';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { AI4I_FEATURES } from '../helpers/paths.js';

/**
 * A small AI4I-shaped Parquet file (a UDI id column and the five features): `groups` row groups of
 * `rowsPerGroup` rows, UDI counting from `firstUdi`. A few KB, for plans over many files.
 */
export function writeSmallParquet(
  file: string,
  groups: number,
  rowsPerGroup: number,
  firstUdi: number,
): void {
  const bytes = new ByteWriter();
  const schema = [
    { name: 'schema', num_children: 1 + AI4I_FEATURES.length },
    { name: 'UDI', type: 'INT64' as const, repetition_type: 'REQUIRED' as const },
    ...AI4I_FEATURES.map((name) => ({ name, type: 'DOUBLE' as const, repetition_type: 'REQUIRED' as const })),
  ];
  const writer = new ParquetWriter({ writer: bytes, schema });
  for (let g = 0; g < groups; g++) {
    const first = firstUdi + g * rowsPerGroup;
    void writer.write({
      rowGroupSize: rowsPerGroup,
      columnData: [
        { name: 'UDI', data: BigInt64Array.from({ length: rowsPerGroup }, (_, i) => BigInt(first + i)) },
        ...AI4I_FEATURES.map((name, j) => ({
          name,
          data: Float64Array.from({ length: rowsPerGroup }, (_, i) => 300 + j + (i % 7)),
        })),
      ],
    });
  }
  void writer.finish();
  writeFileSync(file, bytes.getBytes());
}
