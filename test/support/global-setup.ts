// Placeholder until the local stack lands: pure tests run with KUBERNAUT_TEST_NO_STACK=1.
export default async function globalSetup(): Promise<void> {
  if (process.env.KUBERNAUT_TEST_NO_STACK === '1') return;
  throw new Error('local stack not implemented yet: run pure tests with KUBERNAUT_TEST_NO_STACK=1');
}
