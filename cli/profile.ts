import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { profileDataset } from '../activities/profile.js';
import { ModelSession } from '../inference/model-session.js';
import { storageFor } from '../storage/index.js';
import { parse, required } from './args.js';

export const PROFILE_HELP = `batch-score profile --input <reference parquet> --model <folder> [--out <file name>]

Computes the reference profile (per feature and for the model's predictions: count, missing, infinite,
min, max, mean, standard deviation) over the reference data, stores it in the model folder and names
it in model.json, so every job's drift report compares against it.

Options:
  --input <uri|glob>   reference Parquet (usually the training data)
  --model <folder>     model folder
  --out <name>         file name inside the model folder (default reference_profile.json)
  -h, --help           this help`;

export async function profileCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    input: { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.help) {
    console.log(PROFILE_HELP);
    return 0;
  }
  required(values, ['input', 'model']);
  const folder = path.resolve(values.model!);
  const storage = storageFor(folder);
  const model = await ModelSession.create(storage, folder);
  try {
    const profile = await profileDataset(storageFor(values.input!), values.input!, model);
    const name = values.out ?? 'reference_profile.json';
    await writeFile(path.join(folder, name), `${JSON.stringify(profile, null, 2)}\n`);
    const jsonPath = path.join(folder, 'model.json');
    const raw = JSON.parse(await readFile(jsonPath, 'utf8')) as Record<string, unknown>;
    raw.reference = name;
    await writeFile(jsonPath, `${JSON.stringify(raw, null, 2)}\n`);
    process.stderr.write(
      `profiled ${profile.rows} rows of ${values.input}; wrote ${path.join(folder, name)} and named it in model.json\n`,
    );
    return 0;
  } finally {
    await model.dispose();
  }
}
