/**
 * Writes the prebuilt workflow bundle (`dist/workflow-bundle.js`, part of `npm run build`), so production
 * workers start without running webpack: faster start, less memory, and the exact code that was tested.
 * It holds the tracing gate (src/observability/tracing-workflow-interceptors.ts) and preloads the shared
 * domain modules, as the worker's own bundling would (workflow-bundle.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_BUNDLE_OPTIONS } from './workflow-bundle';

async function main(): Promise<void> {
  const out = path.resolve(__dirname, '..', 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode(WORKFLOW_BUNDLE_OPTIONS);
  fs.writeFileSync(out, code);
  console.log(`workflow bundle: ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
