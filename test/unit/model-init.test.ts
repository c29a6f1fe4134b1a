import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initModelFolder } from '../../inference/model-init.js';
import { DATASETS, AI4I_FEATURES, tempDir } from '../helpers/paths.js';

describe('batch-score model init', () => {
  it('describes a ZipMap classifier from the graph alone', async () => {
    const out = path.join(tempDir('init'), 'zipmap');
    const contract = await initModelFolder({
      onnxPath: path.join(DATASETS, 'ai4i2020', 'model-sklearn-zipmap', 'model.onnx'),
      features: AI4I_FEATURES,
      outDir: out,
      name: 'zipmap',
      version: '2',
    });
    expect(contract).toMatchObject({
      task: 'binary_classification',
      input: { layout: 'tensor', name: 'input' },
      output: {
        prediction: 'output_label',
        probabilities: 'output_probability',
        probabilitiesFormat: 'zipmap',
      },
      classes: [0, 1],
    });
    const written = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8')) as {
      onnx: { sha256: string };
    };
    expect(written.onnx.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('describes a regressor and refuses a wrong feature count', async () => {
    const onnxPath = path.join(DATASETS, 'cmapss', 'model', 'model.onnx');
    const features = (
      JSON.parse(readFileSync(path.join(DATASETS, 'cmapss', 'model', 'features.json'), 'utf8')) as {
        features: string[];
      }
    ).features;
    const contract = await initModelFolder({ onnxPath, features, outDir: tempDir('init-reg') });
    expect(contract).toMatchObject({ task: 'regression', output: { prediction: 'variable' } });
    await expect(
      initModelFolder({ onnxPath, features: features.slice(1), outDir: tempDir('init-bad') }),
    ).rejects.toThrow(`${onnxPath}: input "input" takes 17 features, --features lists 16`);
  });
});
