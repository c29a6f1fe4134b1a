/**
 * The entry point of one inference thread (a worker_threads Worker started by InferencePool): it holds one
 * ONNX Runtime session and runs one batch at a time. onnxruntime-node's `run()` computes on the calling
 * thread, so calling it here keeps the worker's JS thread free to read, sketch and write meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type {
  InferenceReply,
  InferenceRequest,
  InferenceThreadData,
  OutputTensor,
  ThreadReady,
} from './inference-protocol.js';

const port = parentPort;
if (!port) throw new Error('inference-thread.js runs as a worker thread (InferencePool starts it)');

const { model, sessionOptions } = workerData as InferenceThreadData;

async function start(): Promise<ort.InferenceSession | undefined> {
  try {
    const session = await ort.InferenceSession.create(model, sessionOptions);
    const ready: ThreadReady = {
      kind: 'ready',
      inputNames: [...session.inputNames],
      outputNames: [...session.outputNames],
      inputs: session.inputMetadata.map((m) => ({
        name: m.name,
        shape: m.isTensor ? m.shape.map((d) => (typeof d === 'number' ? d : null)) : [],
      })),
    };
    port!.postMessage(ready);
    return session;
  } catch (error) {
    port!.postMessage({ kind: 'failed', message: String(error) } satisfies ThreadReady);
    return undefined;
  }
}

const session = await start();
if (session) {
  port.on('message', (request: InferenceRequest) => {
    const inputs = request.feeds.map((f) => f.data);
    const feeds: Record<string, ort.Tensor> = {};
    for (const feed of request.feeds) feeds[feed.name] = new ort.Tensor('float32', feed.data, feed.dims);
    session.run(feeds, request.fetches).then(
      (results) => {
        const outputs: Record<string, OutputTensor> = {};
        const transfer: ArrayBuffer[] = inputs.map((d) => d.buffer as ArrayBuffer);
        for (const [name, tensor] of Object.entries(results)) {
          let data = tensor.data as OutputTensor['data'];
          if (ArrayBuffer.isView(data)) {
            // Sent by moving its buffer, not copying; a view into a larger buffer is copied out first.
            if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice();
            transfer.push(data.buffer as ArrayBuffer);
          }
          outputs[name] = { type: tensor.type, dims: [...tensor.dims], data };
        }
        port.postMessage({ id: request.id, outputs, inputs } satisfies InferenceReply, transfer);
      },
      (error: unknown) => {
        const transfer = inputs.map((d) => d.buffer as ArrayBuffer);
        port.postMessage({ id: request.id, error: String(error), inputs } satisfies InferenceReply, transfer);
      },
    );
  });
}
