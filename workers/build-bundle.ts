import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * Prebuilds the workflow bundle (dist/workflow-bundle.js) so worker images start without webpack at run
 * time; createWorkers() uses it when present. Run by `npm run bundle` (the Dockerfile does).
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const { code } = await bundleWorkflowCode({
  workflowsPath: path.resolve(here, '..', 'workflows', 'index.js'),
});
const target = path.resolve(here, '..', 'workflow-bundle.js');
await writeFile(target, code);
process.stderr.write(`wrote ${target} (${(code.length / 1024).toFixed(0)} KiB)\n`);
