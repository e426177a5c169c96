/**
 * A namespace WorkflowExecutions can run in on the stack, prepared as an operator would on a cluster:
 * the Namespace, the generic `kubernaut-action` Task of `deploy/tekton/` (PipelineRuns refer to it by
 * name in their own namespace), and the ServiceAccount the examples run their steps as. Ready when the
 * controller-manager has created the namespace's `default` ServiceAccount: pods are refused until then.
 */
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { applyManifests, readManifests, type Manifest } from './apply';
import { ACTION_RUNNER_SERVICE_ACCOUNT } from '../domain/names';
import { PROJECT_ROOT } from './layout';
import { waitFor } from './readiness';

export const ACTION_TASK_FILE = path.join(PROJECT_ROOT, 'deploy', 'tekton', 'kubernaut-action.yaml');

/** The ServiceAccount `examples/` name in `spec.serviceAccountName` (the worker's default policy allows only it). */
export { ACTION_RUNNER_SERVICE_ACCOUNT };

export async function prepareWorkflowNamespace(
  kc: k8s.KubeConfig,
  namespace: string,
  opts: { timeoutMs?: number; labels?: Record<string, string> } = {},
): Promise<void> {
  const task = readManifests(ACTION_TASK_FILE).map((m): Manifest => ({ ...m, metadata: { ...m.metadata, namespace } }));
  await applyManifests(kc, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: opts.labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: ACTION_RUNNER_SERVICE_ACCOUNT, namespace } },
    ...task,
  ]);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await waitFor(
    `ServiceAccount ${namespace}/default`,
    async () => ((await core.readNamespacedServiceAccount({ namespace, name: 'default' })) ? true : undefined),
    { timeoutMs: opts.timeoutMs ?? 30_000, intervalMs: 100 },
  );
}
