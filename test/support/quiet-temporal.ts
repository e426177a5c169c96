// Keeps the Temporal SDK's INFO chatter (bundling, worker state changes) out of test output; warnings and
// errors still show. Runtime.install must run before any worker or connection in the process.
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this jest worker process by an earlier test file
}
