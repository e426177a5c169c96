import { stackDown } from '../../src/stack/stack';

export default async function globalTeardown(): Promise<void> {
  if (process.env.KUBERNAUT_TEST_NO_STACK === '1') return;
  // Stop only what this run started; a developer's running stack stays up.
  if ((globalThis as { __kubernautStackStartedHere?: boolean }).__kubernautStackStartedHere) {
    await stackDown({ log: (l) => process.stdout.write(`[stack] ${l}\n`) });
  }
}
