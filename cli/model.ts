import { initModelFolder } from '../inference/model-init.js';
import { list, parse, required, UsageError } from './args.js';

export const MODEL_INIT_HELP = `batch-score model init <model.onnx> --features <col,col,...> --out <folder> [options]

Writes a model folder: model.onnx and a model.json that maps the Parquet columns (in model input order)
to the model's inputs, its outputs to prediction and probabilities, and pins the file's sha256. Class
labels, the input layout and ZipMap outputs are read from the model.

Options:
  --features a,b,c      Parquet columns in the order the model expects them (required)
  --out <folder>        model folder to write (required)
  --name N              model name (default: the file name)
  --version V           model version (default 1)
  --task T              binary_classification | multiclass_classification | regression (default: from the model)
  --id-columns a,b      columns to carry into predictions by default
  -h, --help            this help`;

export async function modelCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'init') {
    if (sub === undefined || sub === '--help' || sub === '-h') {
      console.log(MODEL_INIT_HELP);
      return 0;
    }
    throw new UsageError(`unknown model command "${sub}" (try: batch-score model init --help)`);
  }
  const { values, positionals } = parse(
    rest,
    {
      features: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      version: { type: 'string' },
      task: { type: 'string' },
      'id-columns': { type: 'string' },
    },
    true,
  );
  if (values.help) {
    console.log(MODEL_INIT_HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError('name exactly one model.onnx file');
  required(values, ['features', 'out']);
  const tasks = ['binary_classification', 'multiclass_classification', 'regression'] as const;
  const task = values.task as (typeof tasks)[number] | undefined;
  if (task && !tasks.includes(task))
    throw new UsageError(`--task ${task}: expected one of ${tasks.join(', ')}`);
  const contract = await initModelFolder({
    onnxPath: positionals[0]!,
    features: list(values.features)!,
    outDir: values.out!,
    name: values.name,
    version: values.version,
    task,
    idColumns: list(values['id-columns']),
  });
  process.stderr.write(
    `wrote ${values.out}/model.json: ${contract.name} ${contract.version}, ${contract.task}, ${contract.features.length} features` +
      `${contract.classes ? `, classes ${contract.classes.join(', ')}` : ''}\n`,
  );
  return 0;
}
