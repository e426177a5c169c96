import * as k8s from '@kubernetes/client-node';
import { API_GROUP, API_VERSION, WORKFLOW_EXECUTION } from '../../src/domain/names';
import { ensureNamespace, eventually, kubeConfig, uniqueName } from '../support/stack';

const group = API_GROUP;
const version = API_VERSION;
const plural = WORKFLOW_EXECUTION.plural;

function workflowExecution(namespace: string, name: string) {
  return {
    apiVersion: `${group}/${version}`,
    kind: WORKFLOW_EXECUTION.kind,
    metadata: { name, namespace },
    spec: {
      remediationRequestRef: { name: 'rr-smoke' },
      targetResource: `${namespace}/Deployment/web`,
      steps: [
        {
          name: 'restart',
          actionType: 'kubernetes/restart_pod',
          image: 'ghcr.io/kubernaut/actions/kubectl:v1',
          inputs: { labelSelector: 'app=web' },
        },
      ],
    },
  };
}

describe('local stack: Kubernetes API server', () => {
  const kc = kubeConfig();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const namespace = uniqueName('smoke');
  beforeAll(() => ensureNamespace(namespace, kc));

  it('creates, reads, watches and patches the status of a WorkflowExecution', async () => {
    const name = uniqueName('wfe');
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const request = await watch.watch(
      `/apis/${group}/${version}/namespaces/${namespace}/${plural}`,
      {},
      (type: string, obj: { metadata: { name: string }; status?: { phase?: string } }) => {
        if (obj.metadata.name === name) seen.push(`${type}:${obj.status?.phase ?? ''}`);
      },
      () => undefined,
    );
    try {
      await api.createNamespacedCustomObject({
        group,
        version,
        namespace,
        plural,
        body: workflowExecution(namespace, name),
      });
      const got = (await api.getNamespacedCustomObject({ group, version, namespace, plural, name })) as {
        metadata: { uid: string };
      };
      expect(got.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);

      await api.patchNamespacedCustomObjectStatus(
        { group, version, namespace, plural, name, body: { status: { phase: 'Running' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      await eventually('the watch to deliver the status change', () =>
        seen.includes('MODIFIED:Running') ? true : undefined,
      );
      expect(seen[0]).toBe('ADDED:');
    } finally {
      request.abort();
    }
  });

  it('rejects an update carrying a stale resourceVersion with 409 Conflict', async () => {
    const name = uniqueName('wfe');
    const created = (await api.createNamespacedCustomObject({
      group,
      version,
      namespace,
      plural,
      body: workflowExecution(namespace, name),
    })) as { metadata: { resourceVersion: string } };
    const stale = created.metadata.resourceVersion;
    await api.patchNamespacedCustomObjectStatus(
      { group, version, namespace, plural, name, body: { status: { phase: 'Running' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    const update = api.replaceNamespacedCustomObjectStatus({
      group,
      version,
      namespace,
      plural,
      name,
      body: {
        ...workflowExecution(namespace, name),
        metadata: { name, namespace, resourceVersion: stale },
        status: { phase: 'Failed' },
      },
    });
    await expect(update).rejects.toMatchObject({ code: 409 });
  });
});
