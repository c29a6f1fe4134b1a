import { z } from 'zod';
import { JobSpecSchema } from './job-spec.js';

/** JSON Schema of the workflow input, as documented in docs/schemas/ (a test keeps the file current). */
export function jobSpecJsonSchema(): unknown {
  return z.toJSONSchema(JobSpecSchema, { io: 'input' });
}
