import { ModelContractError } from '../domain/errors.js';
import type { StatsByColumn } from '../domain/stats.js';
import type { Storage } from '../storage/index.js';

/** Statistics of the data a model was trained on; the baseline for drift. Stored in the model folder. */
export interface ReferenceProfile {
  schemaVersion: 1;
  source: string;
  rows: number;
  stats: StatsByColumn;
}

export async function readReferenceProfile(
  storage: Storage,
  folder: string,
  file: string | undefined,
): Promise<ReferenceProfile | undefined> {
  if (!file) return undefined;
  const uri = storage.join(folder, file);
  if (!(await storage.stat(uri)))
    throw new ModelContractError(`${folder}/model.json names reference "${file}", which does not exist`);
  try {
    return JSON.parse(new TextDecoder().decode(await storage.readAll(uri))) as ReferenceProfile;
  } catch (error) {
    throw new ModelContractError(`${uri} is not valid JSON: ${String(error)}`, { cause: error });
  }
}
