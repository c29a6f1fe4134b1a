import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { looksLikeOnnxModel, readClassLabels, stripZipMap } from '../../inference/onnx-graph.js';
import { DATASETS } from '../helpers/paths.js';

const zipmapModel = new Uint8Array(
  readFileSync(path.join(DATASETS, 'ai4i2020', 'model-sklearn-zipmap', 'model.onnx')),
);

describe('ONNX graph reading', () => {
  it('reads class labels from the classifier node', () => {
    expect(readClassLabels(zipmapModel, 'zipmap')).toEqual([0, 1]);
    const multiclass = new Uint8Array(
      readFileSync(path.join(DATASETS, 'ai4i2020', 'model-multiclass', 'model.onnx')),
    );
    expect(readClassLabels(multiclass, 'multiclass')).toEqual([0, 1, 2, 3, 4]);
    const regressor = new Uint8Array(readFileSync(path.join(DATASETS, 'cmapss', 'model', 'model.onnx')));
    expect(readClassLabels(regressor, 'regressor')).toBeUndefined();
  });

  it('tells models from other bytes', () => {
    expect(looksLikeOnnxModel(zipmapModel)).toBe(true);
    expect(looksLikeOnnxModel(new TextEncoder().encode('PAR1 not a model'))).toBe(false);
  });

  it('strips ZipMap so onnxruntime-node returns the probability tensor', async () => {
    const original = await ort.InferenceSession.create(zipmapModel);
    expect(original.outputMetadata.find((o) => o.name === 'output_probability')?.isTensor).toBe(false);
    await original.release();

    const rewrite = stripZipMap(zipmapModel, 'zipmap');
    expect(rewrite.removedOutput).toBe('output_probability');
    const session = await ort.InferenceSession.create(rewrite.model);
    try {
      expect(session.outputNames).toEqual(['output_label', rewrite.probabilities]);
      const input = new ort.Tensor(
        'float32',
        Float32Array.from([298.1, 308.6, 1551, 42.8, 0, 300, 310, 1400, 70, 250]),
        [2, 5],
      );
      const out = await session.run({ input });
      const p = out[rewrite.probabilities]!;
      expect(p.dims).toEqual([2, 2]);
      const data = p.data as Float32Array;
      expect(data[0]! + data[1]!).toBeCloseTo(1, 6);
    } finally {
      await session.release();
    }
  });
});
