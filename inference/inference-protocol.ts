/** The messages between InferencePool (the worker's JS thread) and its inference threads. */
import type * as ort from 'onnxruntime-node';

export interface InferenceThreadData {
  /** The ONNX model as ModelSession prepared it (ZipMap stripped). Copied to each thread. */
  model: Uint8Array;
  sessionOptions: ort.InferenceSession.SessionOptions;
}

/** The graph's names and input shapes (null for a symbolic dimension), sent once the session exists. */
export interface GraphInfo {
  inputNames: string[];
  outputNames: string[];
  inputs: { name: string; shape: (number | null)[] }[];
}

export type ThreadReady = ({ kind: 'ready' } & GraphInfo) | { kind: 'failed'; message: string };

export interface Feed {
  name: string;
  /** Moved to the thread (its buffer is transferred) and moved back in the reply. */
  data: Float32Array;
  dims: number[];
}

export interface InferenceRequest {
  id: number;
  feeds: Feed[];
  fetches: string[];
}

export interface OutputTensor {
  type: ort.Tensor.Type;
  dims: number[];
  data: Float32Array | Float64Array | BigInt64Array | Int32Array | string[];
}

/** Every reply hands the request's input buffers back, so their matrices can be reused. */
export type InferenceReply = { id: number; inputs: Float32Array[] } & (
  { outputs: Record<string, OutputTensor>; error?: undefined } | { error: string; outputs?: undefined }
);
