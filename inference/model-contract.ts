import { z } from 'zod';
import { ModelContractError } from '../domain/errors.js';

/**
 * model.json: how a folder's model.onnx is fed from Parquet columns and how its outputs become predictions.
 * Documented field by field in docs/model-contract.md; `batch-score model init` writes it.
 */
export const ModelContractSchema = z
  .object({
    schemaVersion: z.literal(1),
    name: z.string().min(1),
    version: z.string().min(1),
    task: z.enum(['binary_classification', 'multiclass_classification', 'regression']),
    onnx: z.object({
      file: z.string().min(1).default('model.onnx'),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
    }),
    /** Parquet columns in the order the model expects them. */
    features: z.array(z.string().min(1)).min(1),
    input: z.discriminatedUnion('layout', [
      /** One float32 tensor [N, features.length], columns in `features` order. */
      z.object({ layout: z.literal('tensor'), name: z.string().min(1) }),
      /** One float32 tensor [N, 1] per feature; `names[i]` feeds `features[i]`. */
      z.object({ layout: z.literal('per_column'), names: z.array(z.string().min(1)).min(1) }),
    ]),
    output: z.object({
      /** Predicted class (classifiers) or value (regressors). */
      prediction: z.string().min(1),
      /** Class probabilities [N, classes] (classifiers only). */
      probabilities: z.string().min(1).optional(),
      /** `zipmap`: the probabilities are a sequence of maps (skl2onnx's default), stripped at load time. */
      probabilitiesFormat: z.enum(['tensor', 'zipmap']).default('tensor'),
    }),
    /** Class labels in probability-column order (classifiers only). */
    classes: z.array(z.union([z.number().int(), z.string().min(1)])).optional(),
    /** Input columns carried into the predictions when the job does not name any. */
    idColumns: z.array(z.string().min(1)).default([]),
    /** Reference profile (statistics of the training data) for drift, relative to the model folder. */
    reference: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((contract, ctx) => {
    const isClassifier = contract.task !== 'regression';
    if (isClassifier && (!contract.classes || contract.classes.length < 2)) {
      ctx.addIssue({ code: 'custom', path: ['classes'], message: 'a classifier needs at least two classes' });
    }
    if (contract.task === 'binary_classification' && contract.classes && contract.classes.length !== 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['classes'],
        message: 'a binary classifier has exactly two classes',
      });
    }
    if (isClassifier && !contract.output.probabilities) {
      ctx.addIssue({
        code: 'custom',
        path: ['output', 'probabilities'],
        message: 'a classifier must name its probabilities output',
      });
    }
    if (contract.input.layout === 'per_column' && contract.input.names.length !== contract.features.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['input', 'names'],
        message: `has ${contract.input.names.length} names for ${contract.features.length} features`,
      });
    }
    if (new Set(contract.features).size !== contract.features.length) {
      ctx.addIssue({ code: 'custom', path: ['features'], message: 'lists a column twice' });
    }
  });

export type ModelContract = z.output<typeof ModelContractSchema>;
export type ModelContractInput = z.input<typeof ModelContractSchema>;

export function parseModelContract(raw: unknown, source: string): ModelContract {
  const result = ModelContractSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ModelContractError(
    `${source} is not a valid model contract:\n${issues.map((i) => `  - ${i}`).join('\n')}`,
  );
}

/** JSON Schema of model.json, as documented in docs/schemas/ (a test keeps the file current). */
export function modelContractJsonSchema(): unknown {
  return z.toJSONSchema(ModelContractSchema, { io: 'input', unrepresentable: 'any' });
}
