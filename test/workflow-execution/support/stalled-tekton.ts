/**
 * A namespace where Tekton never acts: a ValidatingAdmissionPolicy refuses every write to the status of its
 * PipelineRuns and TaskRuns and every TaskRun Tekton tries to create, so a PipelineRun created there stays
 * exactly as created — what a stalled or broken Tekton looks like from the worker. The PipelineRun itself can
 * still be cancelled (`spec.status` is not status).
 */
import * as k8s from '@kubernetes/client-node';
import { applyManifests } from '../../../src/stack/apply';
import { prepareWorkflowNamespace } from '../../../src/stack/namespaces';
import { PIPELINE_RUNS } from '../../../src/kubernetes/resources';
import { testRunTag } from '../../support/leftover-work';
import { eventually } from '../../support/stack';

export interface StalledNamespace {
  namespace: string;
  remove(): Promise<void>;
}

export async function createStalledNamespace(kc: k8s.KubeConfig, namespace: string): Promise<StalledNamespace> {
  await prepareWorkflowNamespace(kc, namespace, { labels: testRunTag() });
  const name = `kubernaut-test-stall-${namespace}`;
  await applyManifests(kc, [
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ['tekton.dev'],
              apiVersions: ['*'],
              operations: ['UPDATE'],
              resources: ['pipelineruns/status', 'taskruns/status'],
            },
            { apiGroups: ['tekton.dev'], apiVersions: ['*'], operations: ['CREATE'], resources: ['taskruns'] },
          ],
        },
        validations: [
          { expression: 'false', message: 'Tekton stalled by the test: TaskRun creation and status writes refused' },
        ],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } },
      },
    },
  ]);
  await policyInForce(kc, namespace);
  const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
  return {
    namespace,
    async remove() {
      await admission.deleteValidatingAdmissionPolicyBinding({ name }).catch(() => undefined);
      await admission.deleteValidatingAdmissionPolicy({ name }).catch(() => undefined);
    },
  };
}

/**
 * The API server loads admission policies asynchronously: wait until a status write in the namespace is
 * refused, on a probe PipelineRun that Tekton leaves alone (`PipelineRunPending`), then remove the probe.
 */
async function policyInForce(kc: k8s.KubeConfig, namespace: string): Promise<void> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const name = 'stall-probe';
  await api.createNamespacedCustomObject({
    ...PIPELINE_RUNS,
    namespace,
    body: {
      apiVersion: 'tekton.dev/v1',
      kind: 'PipelineRun',
      metadata: { name, namespace },
      spec: {
        status: 'PipelineRunPending',
        pipelineSpec: { tasks: [{ name: 'probe', taskRef: { name: 'kubernaut-action' } }] },
      },
    },
  });
  await eventually(
    'the stall policy to refuse status writes',
    async () => {
      try {
        await api.patchNamespacedCustomObjectStatus(
          { ...PIPELINE_RUNS, namespace, name, body: { status: { annotations: { probe: String(Date.now()) } } } },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
        );
        return undefined;
      } catch (err) {
        return (err as { code?: number }).code === 422 || (err as { code?: number }).code === 403 ? true : undefined;
      }
    },
    30_000,
    200,
  );
  await api.deleteNamespacedCustomObject({ ...PIPELINE_RUNS, namespace, name });
}
