import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileDataset } from '../../activities/profile.js';
import { profileCommand } from '../../cli/profile.js';
import { ModelSession } from '../../inference/model-session.js';
import {
  parseReferenceProfile,
  referenceFor,
  type ReferenceProfile,
} from '../../inference/reference-profile.js';
import { storageFor } from '../../storage/index.js';
import { AI4I_FEATURES, AI4I_MODEL, AI4I_PARQUET, tempDir } from '../helpers/paths.js';

describe('batch-score profile', () => {
  let model: ModelSession;
  let profile: ReferenceProfile;

  beforeAll(async () => {
    model = await ModelSession.create(storageFor(AI4I_MODEL), AI4I_MODEL);
    profile = await profileDataset(storageFor(AI4I_PARQUET), AI4I_PARQUET, model);
  });
  afterAll(() => model?.dispose());

  it('profiles every feature and the prediction, with every statistic the issue lists', () => {
    expect(Object.keys(profile.stats)).toEqual([...AI4I_FEATURES, 'prediction', 'probability']);
    const air = profile.stats['Air temperature [K]']!;
    expect(air).toMatchObject({ count: 9956, nulls: 25, nans: 19, infinities: 0, min: 295.3, max: 304.5 });
    expect(air.sketch!.histogram.reduce((a, b) => a + b, 0)).toBe(9956);
    expect(air.sketch!.grid.length).toBeGreaterThan(0);
    // Deciles of the reference: about a tenth of it in each inner bin, nothing outside the range.
    const bins = air.sketch!.histogram;
    expect(bins[0]).toBe(0);
    expect(bins[bins.length - 1]).toBe(0);
    for (const n of bins.slice(1, -1)) expect(n / 9956).toBeLessThan(0.2);
    // A binary label: value counts.
    expect(profile.binning.prediction!.categories).toEqual([0, 1]);
    expect(profile.stats.prediction!.sketch!.categories!.counts.reduce((a, b) => a + b, 0)).toBe(10_000);
  });

  it('is deterministic, and the committed sample profile is current', async () => {
    const again = await profileDataset(storageFor(AI4I_PARQUET), AI4I_PARQUET, model);
    expect(again).toEqual(profile);
    const committed = parseReferenceProfile(
      AI4I_MODEL,
      readFileSync(path.join(AI4I_MODEL, 'reference_profile.json'), 'utf8'),
    ) as ReferenceProfile;
    for (const feature of AI4I_FEATURES) {
      expect(committed.binning[feature], `${feature}: run node datasets/init_model_folders.mjs`).toEqual(
        profile.binning[feature],
      );
      expect(committed.stats[feature]!.sketch!.histogram).toEqual(profile.stats[feature]!.sketch!.histogram);
    }
  });

  it('stores drift options with the profile and keeps them when it is made again', async () => {
    const folder = tempDir('profile-options');
    cpSync(AI4I_MODEL, folder, { recursive: true });
    const config = path.join(folder, 'drift.json');
    writeFileSync(
      config,
      JSON.stringify({ driftShare: 0.3, columns: { 'Torque [Nm]': { test: 'psi', threshold: 0.2 } } }),
    );
    const run = (...extra: string[]) =>
      profileCommand(['--input', path.join(AI4I_PARQUET, 'part-000.parquet'), '--model', folder, ...extra]);
    expect(await run('--drift-config', config)).toBe(0);
    expect(await run()).toBe(0);
    const stored = parseReferenceProfile(
      folder,
      readFileSync(path.join(folder, 'reference_profile.json'), 'utf8'),
    );
    expect(stored).toMatchObject({ schemaVersion: 2, drift: { driftShare: 0.3 } });
    const side = referenceFor(stored);
    expect('reference' in side && side.reference.options?.columns?.['Torque [Nm]']).toEqual({
      test: 'psi',
      threshold: 0.2,
    });

    writeFileSync(config, JSON.stringify({ columns: { 'Torque [Nm]': { test: 'ks', threshold: 5 } } }));
    await expect(run('--drift-config', config)).rejects.toThrow('a p-value threshold must be below 1');
  });

  it('reads a schema 1 profile only to say why it cannot be compared', () => {
    const legacy = parseReferenceProfile(
      'old.json',
      JSON.stringify({ schemaVersion: 1, source: 'x', rows: 1, stats: {} }),
    );
    expect(referenceFor(legacy)).toEqual({
      reason: expect.stringContaining('run batch-score profile again') as string,
    });
    expect(() => parseReferenceProfile('bad.json', '{"schemaVersion": 2}')).toThrow(
      'is not a reference profile',
    );
  });
});
