// Writes model.json and reference_profile.json for every model folder under datasets/ with the project's
// own commands (`batch-score model init` and `batch-score profile`), from the features.json that
// train_models.py leaves beside each model.onnx. Run after `npm run build`:
//   node datasets/init_model_folders.mjs
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../dist/cli/main.js';

const root = path.dirname(fileURLToPath(import.meta.url));
const models = [
  { folder: 'ai4i2020/model', name: 'ai4i-failure-hgb', ids: 'UDI', reference: 'ai4i2020/parquet' },
  {
    folder: 'ai4i2020/model-sklearn-zipmap',
    name: 'ai4i-failure-hgb-zipmap',
    ids: 'UDI',
    reference: 'ai4i2020/parquet',
  },
  {
    folder: 'ai4i2020/model-lightgbm',
    name: 'ai4i-failure-lightgbm',
    ids: 'UDI',
    reference: 'ai4i2020/parquet',
  },
  {
    folder: 'ai4i2020/model-xgboost',
    name: 'ai4i-failure-xgboost',
    ids: 'UDI',
    reference: 'ai4i2020/parquet',
  },
  {
    folder: 'ai4i2020/model-multiclass',
    name: 'ai4i-failure-mode',
    ids: 'UDI',
    reference: 'ai4i2020/parquet',
  },
  { folder: 'cmapss/model', name: 'cmapss-fd001-rul', ids: 'unit,cycle', reference: 'cmapss/parquet/train' },
];

for (const model of models) {
  const folder = path.join(root, model.folder);
  const { features } = JSON.parse(readFileSync(path.join(folder, 'features.json'), 'utf8'));
  const init = [
    'model',
    'init',
    path.join(folder, 'model.onnx'),
    '--features',
    features.join(','),
    '--out',
    folder,
  ];
  init.push('--name', model.name, '--version', '1.0.0', '--id-columns', model.ids);
  if ((await main(init)) !== 0) process.exit(1);
  if ((await main(['profile', '--input', path.join(root, model.reference), '--model', folder])) !== 0)
    process.exit(1);
}
