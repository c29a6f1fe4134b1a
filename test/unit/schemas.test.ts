import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jobSpecJsonSchema } from '../../domain/schemas.js';
import { modelContractJsonSchema } from '../../inference/model-contract.js';
import { ROOT } from '../helpers/paths.js';

/** The documented JSON Schemas are generated from the code; UPDATE_SCHEMAS=1 rewrites them. */
describe.each([
  ['job-spec.schema.json', jobSpecJsonSchema],
  ['model-contract.schema.json', modelContractJsonSchema],
])('docs/schemas/%s', (file, make) => {
  it('matches the code', () => {
    const target = path.join(ROOT, 'docs', 'schemas', file);
    const generated = `${JSON.stringify(make(), null, 2)}\n`;
    if (process.env.UPDATE_SCHEMAS) writeFileSync(target, generated);
    expect(readFileSync(target, 'utf8')).toBe(generated);
  });
});
