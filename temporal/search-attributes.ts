import type { Connection } from '@temporalio/client';
import { JOB_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

/** temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD (the proto package is not a direct dependency). */
const KEYWORD = 2;

/**
 * Registers the job's search attributes on a namespace that lacks them (a self-hosted cluster). A job
 * whose workflow upserts an unregistered attribute would stall on a failing workflow task, so workers
 * check before they poll. Returns the names it added.
 */
export async function ensureJobSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<string[]> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const known = new Set([
    ...Object.keys(existing.customAttributes ?? {}),
    ...Object.keys(existing.systemAttributes ?? {}),
  ]);
  const missing = Object.keys(JOB_SEARCH_ATTRIBUTES).filter((name) => !known.has(name));
  if (missing.length === 0) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, KEYWORD])),
    });
  } catch (error) {
    throw new Error(
      `namespace ${namespace} lacks the search attributes ${missing.join(', ')} and they could not be added ` +
        `(${error instanceof Error ? error.message : String(error)}); ask an admin to run: ` +
        missing
          .map((name) => `temporal operator search-attribute create --name ${name} --type Keyword`)
          .join(' && '),
    );
  }
  return missing;
}
