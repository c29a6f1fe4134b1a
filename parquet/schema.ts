import type { SchemaElement } from 'hyparquet';

/** How a Parquet leaf column is held in memory (as an Arrow vector of the matching type). */
export type ColumnKind =
  'float64' | 'float32' | 'int32' | 'int64' | 'timestamp_ms' | 'boolean' | 'string' | 'unsupported';

export interface ColumnInfo {
  name: string;
  kind: ColumnKind;
  /** Parquet type as a person reads it, for error messages: INT64, DOUBLE, BYTE_ARRAY (UTF8)... */
  parquetType: string;
  nullable: boolean;
}

const NUMERIC_KINDS: ReadonlySet<ColumnKind> = new Set(['float64', 'float32', 'int32', 'int64', 'boolean']);

/** Kinds a model feature may have: every one converts to float32 without guessing. */
export function isNumericKind(kind: ColumnKind): boolean {
  return NUMERIC_KINDS.has(kind);
}

/** Top-level columns of a file; nested columns are reported as unsupported rather than flattened. */
export function describeColumns(schema: SchemaElement[]): ColumnInfo[] {
  const columns: ColumnInfo[] = [];
  let i = 1;
  while (i < schema.length) {
    const element = schema[i]!;
    const children = element.num_children ?? 0;
    columns.push({
      name: element.name,
      kind: children > 0 ? 'unsupported' : kindOf(element),
      parquetType: describeType(element),
      nullable: element.repetition_type !== 'REQUIRED',
    });
    i += 1 + countDescendants(schema, i);
  }
  return columns;
}

/** The schema element of each top-level column, by name. */
export function topLevelElements(schema: SchemaElement[]): Map<string, SchemaElement> {
  const elements = new Map<string, SchemaElement>();
  let i = 1;
  while (i < schema.length) {
    const element = schema[i]!;
    elements.set(element.name, element);
    i += 1 + countDescendants(schema, i);
  }
  return elements;
}

function countDescendants(schema: SchemaElement[], index: number): number {
  let pending = schema[index]?.num_children ?? 0;
  let count = 0;
  let i = index + 1;
  while (pending > 0 && i < schema.length) {
    pending += (schema[i]!.num_children ?? 0) - 1;
    count++;
    i++;
  }
  return count;
}

function kindOf(element: SchemaElement): ColumnKind {
  if (element.repetition_type === 'REPEATED') return 'unsupported';
  const logical = element.logical_type?.type;
  const converted = element.converted_type;
  switch (element.type) {
    case 'DOUBLE':
      return 'float64';
    case 'FLOAT':
      return 'float32';
    case 'BOOLEAN':
      return 'boolean';
    case 'INT32':
      return converted === 'DECIMAL' ||
        logical === 'DECIMAL' ||
        converted === 'DATE' ||
        logical === 'DATE' ||
        converted === 'TIME_MILLIS'
        ? 'unsupported'
        : 'int32';
    case 'INT64':
      if (logical === 'TIMESTAMP' || converted === 'TIMESTAMP_MILLIS' || converted === 'TIMESTAMP_MICROS')
        return 'timestamp_ms';
      if (converted === 'DECIMAL' || logical === 'DECIMAL' || logical === 'TIME') return 'unsupported';
      return 'int64';
    case 'INT96':
      return 'timestamp_ms';
    case 'BYTE_ARRAY':
      return converted === 'UTF8' || logical === 'STRING' || logical === 'ENUM' || converted === 'ENUM'
        ? 'string'
        : 'unsupported';
    default:
      return 'unsupported';
  }
}

function describeType(element: SchemaElement): string {
  if ((element.num_children ?? 0) > 0) return 'group (nested)';
  const annotation = element.logical_type?.type ?? element.converted_type;
  return annotation ? `${element.type} (${annotation})` : String(element.type);
}
