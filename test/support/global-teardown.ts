/**
 * The end of a test run: the check that it left no runnable work in the shared stack (open workflows of
 * its Temporal namespaces or started in `default`; see leftover-work.ts), the cleanup of whatever it left
 * (the workflows of its own namespaces terminated, its Kubernetes namespaces deleted), then the stack stopped if this run
 * started it and nobody else uses it. Leftover workflows fail the run: they are counted as a failure in
 * .test-results/summary.json and the teardown throws, naming each one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { loadKubeConfig } from '../../src/kubernetes/kube-config';
import { stackLayout } from '../../src/stack/layout';
import { liveStackUsers, unregisterStackUser, withStackLock } from '../../src/stack/lease';
import { stackDown, stackStatus } from '../../src/stack/stack';
import {
  currentTestRun,
  deleteTestRunNamespaces,
  describeLeftovers,
  findLeftoverWorkflows,
  terminate,
  type LeftoverWorkflow,
} from './leftover-work';

const SUMMARY = path.join(__dirname, '..', '..', '.test-results', 'summary.json');

async function leftoverWork(): Promise<LeftoverWorkflow[]> {
  const run = currentTestRun();
  const info = stackStatus(stackLayout()).info;
  if (!run || !info) return [];
  const connection = await Connection.connect({ address: info.temporal.address });
  try {
    const leftovers = await findLeftoverWorkflows(connection, run, { defaultNamespace: info.temporal.namespace });
    if (process.env.KUBERNAUT_TEST_KEEP !== '1') {
      // Only in the run's own namespaces: what runs in `default` may be someone else's (it is reported).
      await terminate(
        new Client({ connection, namespace: info.temporal.namespace }),
        leftovers.filter((w) => w.namespace !== info.temporal.namespace),
        'left running by a test run',
      );
      const deleted = await deleteTestRunNamespaces(loadKubeConfig(info.kube.kubeconfigPath), run);
      process.stdout.write(`[teardown] deleted the run's ${deleted.length} Kubernetes namespaces\n`);
    }
    return leftovers;
  } finally {
    await connection.close();
  }
}

/** The leftovers count as one failed test in the summary .ci/run prints. */
function recordInSummary(leftovers: LeftoverWorkflow[]): void {
  if (!fs.existsSync(SUMMARY)) return;
  const summary = JSON.parse(fs.readFileSync(SUMMARY, 'utf8')) as Record<string, unknown> & { failed: number };
  summary.failed += 1;
  summary.leftoverWorkflows = leftovers;
  fs.writeFileSync(SUMMARY, JSON.stringify(summary, null, 2) + '\n');
}

export default async function globalTeardown(): Promise<void> {
  if (process.env.KUBERNAUT_TEST_NO_STACK === '1') return;
  const layout = stackLayout();
  const leftovers = await leftoverWork();
  if (leftovers.length > 0) recordInSummary(leftovers);
  await withStackLock(layout.root, async () => {
    unregisterStackUser(layout.root);
    // Stop only what this run started, and only when no other run still uses it.
    const startedHere = (globalThis as { __kubernautStackStartedHere?: boolean }).__kubernautStackStartedHere;
    if (startedHere && liveStackUsers(layout.root).length === 0) {
      await stackDown({ layout, log: (l) => process.stdout.write(`[stack] ${l}\n`) });
    }
  });
  if (leftovers.length > 0) {
    throw new Error(
      `the test run left ${leftovers.length} workflow(s) running in the stack's Temporal server ` +
        `(those of its own namespaces terminated now; a test environment must terminate what it started when ` +
        `it closes, and never use the default namespace for work that outlives it):\n${describeLeftovers(leftovers)}`,
    );
  }
}
