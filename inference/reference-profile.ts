import { z } from 'zod';
import type { Reference } from '../domain/drift-summary.js';
import type { ColumnBinning, ReferenceBinning } from '../domain/drift/binning.js';
import type { TestName } from '../domain/drift/policy.js';
import { ModelContractError } from '../domain/errors.js';
import type { StatsByColumn } from '../domain/stats.js';
import type { Storage } from '../storage/index.js';

/**
 * Statistics of the data a model was trained on: the baseline for drift, stored in the model folder by
 * `batch-score profile` and named in model.json. Schema 2 adds the binning every shard sketches on (and the
 * id that ties sketches to it) and the per-model drift options; docs/drift.md.
 */
export interface ReferenceProfile {
  schemaVersion: 2;
  /** Fingerprint of `binning`: sketches carry it, and only sketches with the same id are compared. */
  id: string;
  source: string;
  rows: number;
  binning: Record<string, ColumnBinning>;
  stats: StatsByColumn;
  /** Drift options for this model (thresholds, per-column tests); defaults where absent. */
  drift?: DriftOptionsInput;
}

/** Schema 1 profiles (moments only) are still read, to say why their report has no tests. */
export interface LegacyReferenceProfile {
  schemaVersion: 1;
  source: string;
  rows: number;
  stats: StatsByColumn;
}

const TESTS = [
  'ks',
  'chisquare',
  'z',
  'wasserstein',
  'jensenshannon',
  'psi',
] as const satisfies readonly TestName[];
const P_VALUE_TESTS = new Set<string>(['ks', 'chisquare', 'z']);

const ColumnOption = z
  .object({ test: z.enum(TESTS).optional(), threshold: z.number().positive().optional() })
  .strict()
  .refine((o) => !(o.test && P_VALUE_TESTS.has(o.test) && o.threshold !== undefined && o.threshold >= 1), {
    message: 'a p-value threshold must be below 1',
  });

/** The `drift` block of a profile, as a person writes it (see docs/drift.md). */
export const DriftOptionsSchema = z
  .object({
    driftShare: z.number().gt(0).lte(1).optional(),
    missingRateDelta: z.number().gte(0).lte(1).optional(),
    smallReferenceRows: z.number().int().nonnegative().optional(),
    columns: z.record(z.string(), ColumnOption).optional(),
  })
  .strict();
export type DriftOptionsInput = z.infer<typeof DriftOptionsSchema>;

const BinningSchema = z.object({
  center: z.number(),
  scale: z.number().positive(),
  edges: z.array(z.number()),
  categories: z.array(z.number()).optional(),
});

const ProfileSchema = z.object({
  schemaVersion: z.literal(2),
  id: z.string().min(1),
  source: z.string(),
  rows: z.number().int().nonnegative(),
  binning: z.record(z.string(), BinningSchema),
  stats: z.record(z.string(), z.object({ count: z.number() }).passthrough()),
  drift: DriftOptionsSchema.optional(),
});

export async function readReferenceProfile(
  storage: Storage,
  folder: string,
  file: string | undefined,
): Promise<ReferenceProfile | LegacyReferenceProfile | undefined> {
  if (!file) return undefined;
  const uri = storage.join(folder, file);
  if (!(await storage.stat(uri)))
    throw new ModelContractError(`${folder}/model.json names reference "${file}", which does not exist`);
  return parseReferenceProfile(uri, new TextDecoder().decode(await storage.readAll(uri)));
}

export function parseReferenceProfile(uri: string, text: string): ReferenceProfile | LegacyReferenceProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ModelContractError(`${uri} is not valid JSON: ${String(error)}`, { cause: error });
  }
  if ((raw as { schemaVersion?: unknown } | null)?.schemaVersion === 1) return raw as LegacyReferenceProfile;
  const parsed = ProfileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ModelContractError(`${uri} is not a reference profile: ${issues.join('; ')}`);
  }
  return raw as ReferenceProfile;
}

/** The reference side of a drift comparison, or why there is none. */
export function referenceFor(
  profile: ReferenceProfile | LegacyReferenceProfile | undefined,
): { reference: Reference } | { reason: string } {
  if (!profile) return { reason: 'the model has no reference profile (run batch-score profile)' };
  if (profile.schemaVersion === 1)
    return {
      reason:
        'the reference profile has schema 1 (moments only, no distributions); run batch-score profile again',
    };
  return {
    reference: {
      id: profile.id,
      source: profile.source,
      rows: profile.rows,
      stats: profile.stats,
      binning: profile.binning,
      options: profile.drift,
    },
  };
}

/**
 * The binning shards sketch on, one parse per profile per process. The file is read again on every call
 * (a few KB, next to a shard's megabytes) so a profile replaced between jobs is never served stale; a
 * profile replaced during a job gives shards different ids, which the report then refuses to compare.
 */
export class ReferenceBinnings {
  private readonly parsed = new Map<string, { text: string; binning: ReferenceBinning | undefined }>();

  async get(
    storage: Storage,
    folder: string,
    file: string | undefined,
  ): Promise<ReferenceBinning | undefined> {
    if (!file) return undefined;
    const uri = storage.join(folder, file);
    if (!(await storage.stat(uri))) return undefined;
    const text = new TextDecoder().decode(await storage.readAll(uri));
    const cached = this.parsed.get(uri);
    if (cached && cached.text === text) return cached.binning;
    const profile = parseReferenceProfile(uri, text);
    const binning = profile.schemaVersion === 2 ? { id: profile.id, columns: profile.binning } : undefined;
    this.parsed.set(uri, { text, binning });
    return binning;
  }
}
