import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';

/**
 * Histories recorded from earlier versions of the workflow (`temporal workflow show --output json` of a
 * finished job) must replay on the current code: a change that breaks this would break jobs running during a deploy.
 */
const HISTORIES = path.join(ROOT, 'test', 'fixtures', 'histories');
/** History file -> the workflow id it was recorded under (child workflow ids derive from it). */
const WORKFLOW_IDS = JSON.parse(readFileSync(path.join(HISTORIES, 'index.json'), 'utf8')) as Record<
  string,
  string
>;

describe.each(readdirSync(HISTORIES).filter((f) => f !== 'index.json'))('recorded history %s', (file) => {
  it('replays without non-determinism', async () => {
    // The worker parses the JSON (Temporal CLI `workflow show --output json` format) itself.
    const history: unknown = JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8'));
    await expect(
      Worker.runReplayHistory(
        { workflowsPath: path.join(ROOT, 'dist', 'workflows', 'index.js') },
        history,
        WORKFLOW_IDS[file],
      ),
    ).resolves.toBeUndefined();
  });
});
