import { z } from 'zod';
import { InvalidJobSpecError } from './errors.js';
import { isTimeZone, templateProblems } from './path-templates.js';

/**
 * The one JSON object a scoring job takes. Everything but `input`, `model` and `output` has a default,
 * so a person can start a job from the Temporal Web UI by pasting three lines of JSON.
 */
/** The most shards a job may score at once (a workflow schedules at most this many activities). */
export const MAX_CONCURRENCY = 10_000;

export const JobSpecSchema = z
  .object({
    input: z
      .string()
      .trim()
      .min(1)
      .superRefine(checkTemplates)
      .describe(
        'Parquet input: a file, a folder (every *.parquet below it), or a glob such as data/*.parquet.',
      ),
    model: z.string().trim().min(1).describe('Model folder holding model.json and model.onnx.'),
    output: z
      .string()
      .trim()
      .min(1)
      .superRefine(checkTemplates)
      .describe('Output folder; predictions, manifest.json and drift/ go there.'),
    idColumns: z
      .array(z.string().min(1))
      .optional()
      .describe('Input columns copied into every prediction row. Default: the model\'s "idColumns".'),
    shardRows: z
      .number()
      .int()
      .positive()
      .default(1_000_000)
      .describe('Largest shard, in rows; a shard is a range of whole row groups of one file.'),
    concurrency: z
      .number()
      .int()
      .positive()
      .max(MAX_CONCURRENCY)
      .default(8)
      .describe('Most shards scored at once across all workers.'),
    maxFailedShards: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        'Failed shards the job tolerates: up to this many it ends "partial" and lists them; one more fails it and cancels the rest.',
      ),
    maxFailedShardShare: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Tolerated share (0..1) of failed shards; when set, the smaller of the two limits applies.'),
    heartbeatTimeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(60)
      .describe(
        'A scoring attempt that does not heartbeat for this long is retried elsewhere; cancellation reaches a shard within it.',
      ),
    timeZone: z
      .string()
      .default('UTC')
      .refine(isTimeZone, { message: 'unknown time zone (use an IANA name such as Europe/Berlin or UTC)' })
      .describe('Time zone of the date templates ({{date}}, {{date-1}}, ...) in input and output.'),
    scheduledTime: z.iso
      .datetime({ offset: true })
      .optional()
      .describe(
        'The time date templates resolve from. Runs started by a Schedule use their scheduled time; set this to start a templated job by hand.',
      ),
  })
  .strict();

/** Path fields may hold date templates; each malformed one is reported on its field. */
function checkTemplates(value: string, context: z.RefinementCtx): void {
  for (const message of templateProblems(value)) context.addIssue({ code: 'custom', message });
}

/** Failed shards a job of `shards` shards tolerates under the spec's limits. */
export function failureBudget(
  spec: Pick<JobSpec, 'maxFailedShards' | 'maxFailedShardShare'>,
  shards: number,
): number {
  const byShare =
    spec.maxFailedShardShare === undefined ? Infinity : Math.floor(spec.maxFailedShardShare * shards);
  return Math.min(spec.maxFailedShards, byShare);
}

export type JobSpecInput = z.input<typeof JobSpecSchema>;
export type JobSpec = z.output<typeof JobSpecSchema>;

/** Validates a job spec, reporting every bad field at once (not just the first). */
export function parseJobSpec(raw: unknown): JobSpec {
  const result = JobSpecSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(spec)';
    return `${field}: ${issue.message}`;
  });
  throw new InvalidJobSpecError(issues);
}
