import { stackLayout } from '../../src/stack/layout';
import { liveStackUsers, unregisterStackUser, withStackLock } from '../../src/stack/lease';
import { stackDown } from '../../src/stack/stack';

export default async function globalTeardown(): Promise<void> {
  if (process.env.KUBERNAUT_TEST_NO_STACK === '1') return;
  const layout = stackLayout();
  await withStackLock(layout.root, async () => {
    unregisterStackUser(layout.root);
    // Stop only what this run started, and only when no other run still uses it.
    const startedHere = (globalThis as { __kubernautStackStartedHere?: boolean }).__kubernautStackStartedHere;
    if (startedHere && liveStackUsers(layout.root).length === 0) {
      await stackDown({ layout, log: (l) => process.stdout.write(`[stack] ${l}\n`) });
    }
  });
}
