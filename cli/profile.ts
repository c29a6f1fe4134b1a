import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { profileDataset } from '../activities/profile.js';
import { summarize } from '../domain/stats.js';
import { ModelSession } from '../inference/model-session.js';
import {
  DriftOptionsSchema,
  parseReferenceProfile,
  type DriftOptionsInput,
  type ReferenceProfile,
} from '../inference/reference-profile.js';
import { storageFor } from '../storage/index.js';
import { parse, required, UsageError } from './args.js';

export const PROFILE_HELP = `batch-score profile --input <reference parquet> --model <folder> [--out <file name>] [--drift-config <file>]

Computes the reference profile over the reference data (usually the training data), for every model
feature and for the model's predictions on it: count, missing (null/NaN) and infinite counts, min, max,
mean, standard deviation, a quantile sketch on a fixed grid, a histogram on edges at the reference's
deciles, and value counts for columns with at most 20 distinct values. Stores it in the model folder and
names it in model.json; every job's drift report (drift/report.json and report.html) compares with it.
Reads the reference twice. See docs/drift.md.

Options:
  --input <uri|glob>     reference Parquet
  --model <folder>       model folder
  --out <name>           file name inside the model folder (default reference_profile.json)
  --drift-config <file>  JSON drift options stored with the profile: driftShare, missingRateDelta,
                         smallReferenceRows, columns: { "<column>": { "test": "ks|chisquare|z|
                         wasserstein|jensenshannon|psi", "threshold": N } }. Without it, the options of
                         the profile being replaced are kept.
  -h, --help             this help`;

export async function profileCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    input: { type: 'string' },
    model: { type: 'string' },
    out: { type: 'string' },
    'drift-config': { type: 'string' },
  });
  if (values.help) {
    console.log(PROFILE_HELP);
    return 0;
  }
  required(values, ['input', 'model']);
  const folder = path.resolve(values.model!);
  const name = values.out ?? 'reference_profile.json';
  const target = path.join(folder, name);
  const drift = values['drift-config']
    ? await readDriftConfig(values['drift-config'])
    : await previousDriftOptions(target);
  const storage = storageFor(folder);
  const model = await ModelSession.create(storage, folder);
  try {
    const profile = await profileDataset(storageFor(values.input!), values.input!, model, drift);
    // A local reference is named relative to the model folder, so a committed model folder stays portable.
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(values.input!))
      profile.source = path.relative(folder, path.resolve(values.input!));
    await writeFile(target, `${stringifyProfile(profile)}\n`);
    const jsonPath = path.join(folder, 'model.json');
    const raw = JSON.parse(await readFile(jsonPath, 'utf8')) as Record<string, unknown>;
    raw.reference = name;
    await writeFile(jsonPath, `${JSON.stringify(raw, null, 2)}\n`);
    process.stderr.write(`${describe(profile, values.input!, target)}\n`);
    return 0;
  } finally {
    await model.dispose();
  }
}

async function readDriftConfig(file: string): Promise<DriftOptionsInput> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--drift-config ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = DriftOptionsSchema.safeParse(raw);
  if (!parsed.success)
    throw new UsageError(
      `--drift-config ${file}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

/** Options a person put in the profile being replaced: re-profiling must not silently drop them. */
async function previousDriftOptions(file: string): Promise<DriftOptionsInput | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const previous = parseReferenceProfile(file, text);
    return previous.schemaVersion === 2 ? previous.drift : undefined;
  } catch {
    return undefined;
  }
}

function describe(profile: ReferenceProfile, input: string, target: string): string {
  const columns = Object.entries(profile.binning).map(([column, binning]) => {
    const s = summarize(profile.stats[column]!);
    const kind = binning.categories
      ? `${binning.categories.length} values`
      : `${binning.edges.length + 1} bins`;
    return `  ${column}: ${s.count} values, ${s.missing} missing, ${s.infinities} infinite; ${kind}`;
  });
  return [
    `profiled ${profile.rows} rows of ${input}; wrote ${target} (profile ${profile.id}) and named it in model.json`,
    ...columns,
  ].join('\n');
}

/** Indented JSON with arrays of numbers on one line: the grid runs would otherwise take a line per count. */
function stringifyProfile(profile: ReferenceProfile): string {
  return JSON.stringify(profile, null, 2).replace(
    /\[\s+([-+.,\deE\s]+?)\s+\]/g,
    (_, body: string) => `[${body.split(/,\s*/).join(', ')}]`,
  );
}
