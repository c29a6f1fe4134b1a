#!/usr/bin/env node
// The command line entry point. It runs the compiled code in dist/, which `npm ci` builds (prepare script).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('batch-score: dist/ is missing; run `npm run build` (npm ci runs it for you)\n');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
