/**
 * One local stack per test run: reuse the running one (a developer's `npm run stack -- up`, or another test
 * run), otherwise start it here. The run registers itself as a user of the stack; the teardown stops the
 * stack only if this run started it and no other user is left. Test files find it via KUBERNAUT_STACK_INFO.
 */
import crypto from 'node:crypto';
import { stackLayout } from '../../src/stack/layout';
import { registerStackUser, withStackLock } from '../../src/stack/lease';
import { stackStatus, stackUp } from '../../src/stack/stack';

export default async function globalSetup(): Promise<void> {
  if (process.env.KUBERNAUT_TEST_NO_STACK === '1') return; // pure tests only (development convenience)
  const layout = stackLayout();
  const startedHere = await withStackLock(layout.root, async () => {
    const before = stackStatus(layout);
    const wasRunning = before.info !== undefined && Object.values(before.running).every(Boolean);
    // Idempotent: reuses healthy servers, re-applies the CRDs and migrations of this checkout.
    await stackUp({ layout, log: (l) => process.stdout.write(`[stack] ${l}\n`) });
    registerStackUser(layout.root);
    return !wasRunning;
  });
  process.env.KUBERNAUT_STACK_INFO = layout.info;
  // What this run creates is tagged with it, and the teardown checks that none of it is left running
  // (test/support/leftover-work.ts). StartTime in visibility has second resolution: start a second early.
  process.env.KUBERNAUT_TEST_RUN_ID = crypto.randomBytes(6).toString('hex');
  process.env.KUBERNAUT_TEST_RUN_STARTED_AT = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000).toISOString();
  (globalThis as { __kubernautStackStartedHere?: boolean }).__kubernautStackStartedHere = startedHere;
}
