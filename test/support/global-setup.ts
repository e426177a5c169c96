/**
 * One local stack per test run: reuse the running one (a developer's `npm run stack -- up`), otherwise start
 * it here and stop it in the global teardown. Test files find it through KUBERNAUT_STACK_INFO.
 */
import { stackLayout } from '../../src/stack/layout';
import { stackStatus, stackUp } from '../../src/stack/stack';

export default async function globalSetup(): Promise<void> {
  if (process.env.KUBERNAUT_TEST_NO_STACK === '1') return; // pure tests only (development convenience)
  const layout = stackLayout();
  const before = stackStatus(layout);
  const wasRunning = before.info !== undefined && Object.values(before.running).every(Boolean);
  // Idempotent: reuses healthy servers, re-applies the CRDs and migrations of this checkout.
  await stackUp({ layout, log: (l) => process.stdout.write(`[stack] ${l}\n`) });
  process.env.KUBERNAUT_STACK_INFO = layout.info;
  (globalThis as { __kubernautStackStartedHere?: boolean }).__kubernautStackStartedHere = !wasRunning;
}
