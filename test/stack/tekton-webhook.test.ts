/**
 * Tekton's own admission webhook runs in the local stack (registered with a `url:` client config, the
 * controller and webhook out of cluster): PipelineRuns are defaulted and validated by Tekton itself, as on a
 * cluster with Tekton installed — what the worker sends is checked by the real thing, not by the CRD alone.
 */
import * as k8s from '@kubernetes/client-node';
import { PIPELINE_RUN, TEKTON_GROUP, TEKTON_VERSION } from '../../src/domain/names';
import { createNamespace, kubeConfig, uniqueName } from '../support/stack';

const kc = kubeConfig();
const api = kc.makeApiClient(k8s.CustomObjectsApi);
const pipelineRuns = { group: TEKTON_GROUP, version: TEKTON_VERSION, plural: PIPELINE_RUN.plural };

function pipelineRun(namespace: string, tasks: Record<string, unknown>[], timeouts?: Record<string, string>) {
  return {
    apiVersion: `${TEKTON_GROUP}/${TEKTON_VERSION}`,
    kind: 'PipelineRun',
    metadata: { name: uniqueName('pr'), namespace },
    spec: { ...(timeouts && { timeouts }), pipelineSpec: { tasks } },
  };
}
const task = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  taskSpec: { steps: [{ name: 'run', image: 'registry.invalid/action@sha256:' + '0'.repeat(64), script: 'true' }] },
  ...extra,
});

describe("Tekton's admission webhook in the local stack", () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await createNamespace('webhook', kc);
  });

  it('defaults what it is sent: Go-canonical timeouts and the ServiceAccount TaskRuns run as', async () => {
    const stored = (await api.createNamespacedCustomObject({
      ...pipelineRuns,
      namespace,
      body: pipelineRun(namespace, [task('a', { timeout: '90s' })], { pipeline: '5m' }),
    })) as {
      spec: { timeouts: { pipeline: string }; taskRunTemplate?: { serviceAccountName?: string } } & Record<
        string,
        unknown
      >;
    };
    expect(stored.spec.timeouts.pipeline).toBe('5m0s');
    expect((stored.spec.pipelineSpec as { tasks: { timeout: string }[] }).tasks[0].timeout).toBe('1m30s');
    expect(stored.spec.taskRunTemplate?.serviceAccountName).toBe('default');
  });

  it('refuses an invalid PipelineRun with its own message, naming the task and the field', async () => {
    const body = pipelineRun(namespace, [task('a', { runAfter: ['a'] })]);
    const refused = await api.createNamespacedCustomObject({ ...pipelineRuns, namespace, body }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(k8s.ApiException);
    const message = String((refused as k8s.ApiException<unknown>).body);
    expect(message).toContain('validation.pipeline.tekton.dev');
    expect(message).toMatch(/cycle detected; task \\?"a\\?" depends on \\?"a\\?"/);
    expect(message).toContain('spec.pipelineSpec.tasks');
  });
});
