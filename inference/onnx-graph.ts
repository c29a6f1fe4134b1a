/**
 * Minimal reading and editing of ONNX protobuf, without a protobuf dependency.
 *
 * onnxruntime-node cannot return non-tensor values, and skl2onnx classifiers end in a ZipMap node that
 * turns the probability tensor into a sequence of maps. This removes the ZipMap node in memory and exposes
 * its input tensor as the graph output, so the model file (and its checksum) stays as the data scientist
 * exported it. It edits just the protobuf fields involved and copies every other byte unchanged.
 */
import { ModelContractError } from '../domain/errors.js';

interface Field {
  number: number;
  wireType: number;
  /** The whole encoded field: key and payload. */
  raw: Uint8Array;
  /** The payload of a length-delimited field. */
  payload?: Uint8Array;
}

export interface ZipMapRewrite {
  model: Uint8Array;
  /** Name of the probabilities tensor that replaced the ZipMap output. */
  probabilities: string;
  /** Name of the ZipMap output that was removed. */
  removedOutput: string;
}

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_OUTPUT = 12;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_OP_TYPE = 4;
const VALUE_INFO_NAME = 1;

export function stripZipMap(model: Uint8Array, source: string): ZipMapRewrite {
  const modelFields = parseFields(model, source);
  const graphField = modelFields.find((f) => f.number === MODEL_GRAPH);
  if (!graphField?.payload) throw new ModelContractError(`${source}: ONNX model has no graph`);
  const graphFields = parseFields(graphField.payload, source);

  const zipMaps = graphFields.filter(
    (f) =>
      f.number === GRAPH_NODE &&
      f.payload &&
      firstString(parseFields(f.payload, source), NODE_OP_TYPE) === 'ZipMap',
  );
  if (zipMaps.length !== 1) {
    throw new ModelContractError(
      `${source}: model.json says the probabilities are a ZipMap, but the graph has ${zipMaps.length} ZipMap nodes`,
    );
  }
  const zipNode = parseFields(zipMaps[0]!.payload!, source);
  const probabilities = firstString(zipNode, NODE_INPUT);
  const removedOutput = firstString(zipNode, NODE_OUTPUT);
  if (!probabilities || !removedOutput)
    throw new ModelContractError(`${source}: ZipMap node lacks an input or output`);

  const newGraph = graphFields.flatMap((f) => {
    if (f === zipMaps[0]) return [];
    if (
      f.number === GRAPH_OUTPUT &&
      f.payload &&
      firstString(parseFields(f.payload, source), VALUE_INFO_NAME) === removedOutput
    ) {
      return [encodeField(GRAPH_OUTPUT, floatTensorValueInfo(probabilities))];
    }
    return [f.raw];
  });
  const graphBytes = concat(newGraph);
  const newModel = modelFields.map((f) => (f === graphField ? encodeField(MODEL_GRAPH, graphBytes) : f.raw));
  return { model: concat(newModel), probabilities, removedOutput };
}

/** ValueInfoProto { name, type: TypeProto { tensor_type: { elem_type: FLOAT } } } */
function floatTensorValueInfo(name: string): Uint8Array {
  const tensorType = concat([encodeVarintField(1, 1)]);
  const typeProto = encodeField(1, tensorType);
  return concat([encodeField(1, new TextEncoder().encode(name)), encodeField(2, typeProto)]);
}

function parseFields(bytes: Uint8Array, source: string): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  const fail = (): never => {
    throw new ModelContractError(
      `${source} is not a valid ONNX model (protobuf decoding failed at byte ${pos})`,
    );
  };
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.length || shift > 63) fail();
      const b = bytes[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  };
  while (pos < bytes.length) {
    const start = pos;
    const key = varint();
    const number = Math.floor(key / 8);
    const wireType = key & 7;
    let payload: Uint8Array | undefined;
    if (number === 0) fail();
    if (wireType === 0) varint();
    else if (wireType === 1) pos += 8;
    else if (wireType === 5) pos += 4;
    else if (wireType === 2) {
      const length = varint();
      if (pos + length > bytes.length) fail();
      payload = bytes.subarray(pos, pos + length);
      pos += length;
    } else fail();
    if (pos > bytes.length) fail();
    fields.push({ number, wireType, raw: bytes.subarray(start, pos), payload });
  }
  return fields;
}

/** Fields of an ONNX ModelProto: used to tell an ONNX model from other bytes before ORT sees them. */
export function looksLikeOnnxModel(bytes: Uint8Array): boolean {
  try {
    const fields = parseFields(bytes, '');
    return fields.some((f) => f.number === MODEL_GRAPH && f.wireType === 2);
  } catch {
    return false;
  }
}

function firstString(fields: Field[], number: number): string | undefined {
  const field = fields.find((f) => f.number === number && f.payload);
  return field?.payload ? new TextDecoder().decode(field.payload) : undefined;
}

function encodeVarint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

function encodeVarintField(number: number, value: number): Uint8Array {
  return concat([encodeVarint(number * 8), encodeVarint(value)]);
}

function encodeField(number: number, payload: Uint8Array): Uint8Array {
  return concat([encodeVarint(number * 8 + 2), encodeVarint(payload.length), payload]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const NODE_ATTRIBUTE = 5;
const ATTRIBUTE_NAME = 1;
const ATTRIBUTE_INTS = 8;
const ATTRIBUTE_STRINGS = 9;
const CLASSIFIER_OPS = new Set([
  'TreeEnsembleClassifier',
  'TreeEnsemble',
  'LinearClassifier',
  'SVMClassifier',
  'ZipMap',
]);

/** Class labels as the model's classifier node declares them (classlabels_int64s / classlabels_strings). */
export function readClassLabels(model: Uint8Array, source: string): Array<number | string> | undefined {
  const graph = parseFields(model, source).find((f) => f.number === MODEL_GRAPH)?.payload;
  if (!graph) return undefined;
  for (const nodeField of parseFields(graph, source)) {
    if (nodeField.number !== GRAPH_NODE || !nodeField.payload) continue;
    const node = parseFields(nodeField.payload, source);
    if (!CLASSIFIER_OPS.has(firstString(node, NODE_OP_TYPE) ?? '')) continue;
    for (const attributeField of node) {
      if (attributeField.number !== NODE_ATTRIBUTE || !attributeField.payload) continue;
      const attribute = parseFields(attributeField.payload, source);
      const name = firstString(attribute, ATTRIBUTE_NAME);
      if (name === 'classlabels_int64s') return readInts(attribute);
      if (name === 'classlabels_strings') {
        return attribute
          .filter((f) => f.number === ATTRIBUTE_STRINGS && f.payload)
          .map((f) => new TextDecoder().decode(f.payload));
      }
    }
  }
  return undefined;
}

function readInts(attribute: Field[]): number[] {
  const values: number[] = [];
  for (const field of attribute) {
    if (field.number !== ATTRIBUTE_INTS) continue;
    // Packed (wire type 2) or one varint per field (wire type 0): the varints follow the key either way.
    const bytes = field.wireType === 2 ? field.payload! : field.raw.subarray(keyLength(field.raw));
    let pos = 0;
    while (pos < bytes.length) {
      let value = 0n;
      let shift = 0n;
      for (;;) {
        const b = bytes[pos++]!;
        value |= BigInt(b & 0x7f) << shift;
        if ((b & 0x80) === 0) break;
        shift += 7n;
      }
      values.push(Number(BigInt.asIntN(64, value)));
    }
  }
  return values;
}

function keyLength(raw: Uint8Array): number {
  let i = 0;
  while (raw[i]! & 0x80) i++;
  return i + 1;
}
