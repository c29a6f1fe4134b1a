import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelContractError } from '../domain/errors.js';
import { parseModelContract, type ModelContract, type ModelContractInput } from './model-contract.js';
import { looksLikeOnnxModel, readClassLabels } from './onnx-graph.js';

export interface ModelInitOptions {
  onnxPath: string;
  features: string[];
  outDir: string;
  name?: string;
  version?: string;
  task?: ModelContract['task'];
  idColumns?: string[];
}

/**
 * Writes a model folder (model.onnx + model.json) from an ONNX file, reading input layout, outputs and
 * class labels from the graph, so nobody writes model.json by hand.
 */
export async function initModelFolder(options: ModelInitOptions): Promise<ModelContract> {
  const bytes = new Uint8Array(await readFile(options.onnxPath));
  if (!looksLikeOnnxModel(bytes)) throw new ModelContractError(`${options.onnxPath} is not an ONNX model`);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes);
  } catch (error) {
    throw new ModelContractError(
      `${options.onnxPath}: ONNX Runtime cannot load the model: ${String(error)}`,
      { cause: error },
    );
  }
  try {
    const where = options.onnxPath;
    const features = options.features;
    let input: ModelContractInput['input'];
    const inputs = session.inputMetadata;
    if (inputs.length === 1) {
      const width = inputs[0]!.isTensor ? inputs[0]!.shape[1] : undefined;
      if (typeof width === 'number' && width !== features.length) {
        throw new ModelContractError(
          `${where}: input "${inputs[0]!.name}" takes ${width} features, --features lists ${features.length}`,
        );
      }
      input = { layout: 'tensor', name: inputs[0]!.name };
    } else if (inputs.length === features.length) {
      input = { layout: 'per_column', names: inputs.map((i) => i.name) };
    } else {
      throw new ModelContractError(
        `${where}: the model has ${inputs.length} inputs for ${features.length} features`,
      );
    }

    const outputs = session.outputMetadata;
    const classes = readClassLabels(bytes, where);
    const task =
      options.task ??
      (classes ? (classes.length > 2 ? 'multiclass_classification' : 'binary_classification') : 'regression');
    let output: ModelContractInput['output'];
    if (task === 'regression') {
      output = { prediction: outputs[0]!.name };
    } else {
      const zipmap = outputs.find((o) => !o.isTensor);
      const label = outputs.find(
        (o) => o.isTensor && (o.type === 'int64' || o.type === 'string' || o.type === 'int32'),
      );
      const probabilities = zipmap ?? outputs.find((o) => o.isTensor && o.type === 'float32');
      if (!label || !probabilities) {
        throw new ModelContractError(
          `${where}: cannot find a label and a probabilities output among ${outputs.map((o) => o.name).join(', ')}`,
        );
      }
      output = {
        prediction: label.name,
        probabilities: probabilities.name,
        probabilitiesFormat: zipmap ? 'zipmap' : 'tensor',
      };
    }
    if (task !== 'regression' && !classes) {
      throw new ModelContractError(
        `${where}: the model declares no class labels; cannot describe a classifier`,
      );
    }
    await mkdir(options.outDir, { recursive: true });
    const target = path.join(options.outDir, 'model.onnx');
    if (path.resolve(options.onnxPath) !== path.resolve(target)) await copyFile(options.onnxPath, target);
    const raw: ModelContractInput = {
      schemaVersion: 1,
      name: options.name ?? path.basename(options.onnxPath, '.onnx'),
      version: options.version ?? '1',
      task,
      onnx: { file: 'model.onnx', sha256: createHash('sha256').update(bytes).digest('hex') },
      features,
      input,
      output,
      ...(task !== 'regression' ? { classes } : {}),
      idColumns: options.idColumns ?? [],
    };
    const contract = parseModelContract(raw, path.join(options.outDir, 'model.json'));
    await writeFile(path.join(options.outDir, 'model.json'), `${JSON.stringify(raw, null, 2)}\n`);
    return contract;
  } finally {
    await session.release();
  }
}
