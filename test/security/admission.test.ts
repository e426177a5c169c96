// "Creating a WorkflowExecution must not grant more than its creator already has", on the real API server
// with the admission policy of deploy/admission/ and the RBAC of deploy/rbac/ as the stack applies them:
// identities of the test's own, with real ServiceAccount tokens, create WorkflowExecutions; the API
// server's authorizer decides whether each creator may run the steps as the ServiceAccount they name.
import * as k8s from '@kubernetes/client-node';
import { ACTION_RUNNER_SERVICE_ACCOUNT, ANNOTATIONS } from '../../src/domain/names';
import type { WorkflowExecutionStatus } from '../../src/domain/workflow-execution';
import { WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../src/kubernetes/resources';
import { createExecutionEnv, workflowExecutionManifest, type ExecutionEnv } from '../support/execution-env';
import { kubeConfig, serviceAccountKubeConfig } from '../support/stack';

jest.setTimeout(120_000);

const POLICY = 'kubernaut-workflowexecution-requester';

/** What the API server answered a refused request: HTTP status and its message. */
async function refusal(request: Promise<unknown>): Promise<{ code: number; message: string }> {
  const err = await request.then(
    () => undefined,
    (e: unknown) => e as { code?: number; body?: string },
  );
  if (!err) throw new Error('the request was admitted');
  const body = typeof err.body === 'string' ? (JSON.parse(err.body) as { message?: string }) : undefined;
  return { code: err.code ?? 0, message: body?.message ?? String(err) };
}

describe('admission of WorkflowExecutions: the creator must be allowed what the steps will do', () => {
  let env: ExecutionEnv;
  /** May create WorkflowExecutions and "use" the runner account: the shipped requester ClusterRole. */
  let requester: k8s.CustomObjectsApi;
  /** May create WorkflowExecutions, nothing else. */
  let onlyCreate: k8s.CustomObjectsApi;
  /** May create WorkflowExecutions and pods (which can already run as any ServiceAccount of the namespace). */
  let podCreator: k8s.CustomObjectsApi;
  const user = (name: string) => `system:serviceaccount:${env.namespace}:${name}`;

  const manifest = (opts: { serviceAccountName?: string; requestedBy?: string } = {}) => {
    const m = workflowExecutionManifest(
      { steps: [{ name: 'restart' }], serviceAccountName: opts.serviceAccountName },
      env.namespace,
      { stepDurationMs: 100 },
    );
    return opts.requestedBy === undefined
      ? m
      : { ...m, metadata: { ...m.metadata, annotations: { [ANNOTATIONS.requestedBy]: opts.requestedBy } } };
  };
  const create = (api: k8s.CustomObjectsApi, body: object, dryRun = false) =>
    api.createNamespacedCustomObject({
      ...WORKFLOW_EXECUTIONS,
      namespace: env.namespace,
      body,
      ...(dryRun && { dryRun: 'All' }),
    }) as Promise<KubernetesObject>;

  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'admission' });
    const ns = env.namespace;
    const identity = async (name: string, rules: Parameters<typeof serviceAccountKubeConfig>[2]) =>
      (await serviceAccountKubeConfig(ns, name, rules)).makeApiClient(k8s.CustomObjectsApi);
    requester = await identity('requester', { clusterRole: 'kubernaut-workflowexecution-requester' });
    onlyCreate = await identity('only-create', [
      { apiGroups: ['kubernaut.ai'], resources: ['workflowexecutions'], verbs: ['create'] },
    ]);
    podCreator = await identity('pod-creator', [
      { apiGroups: ['kubernaut.ai'], resources: ['workflowexecutions'], verbs: ['create'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['create'] },
    ]);
  });
  afterAll(async () => {
    await env?.close();
  });

  it('admits a WorkflowExecution from a requester allowed to use the runner account; it runs, and says who asked', async () => {
    const wfe = await create(requester, manifest({ requestedBy: user('requester') }));
    expect(await env.run(wfe)).toMatchObject({ phase: 'Completed' });

    const stored = await env.getWorkflowExecution(env.namespace, wfe.metadata.name);
    const status = stored!.status as WorkflowExecutionStatus;
    expect(status).toMatchObject({ phase: 'Completed', requestedBy: user('requester') });
    const records = await env.dataStorage.getWorkflowExecutionActions(wfe.metadata.uid!);
    expect(records.map((r) => [r.stepName, r.status, r.requestedBy])).toEqual([
      ['restart', 'succeeded', user('requester')],
    ]);
  });

  it('refuses one that may only create WorkflowExecutions, at admission, naming the policy and the missing permission', async () => {
    const body = manifest();
    const { code, message } = await refusal(create(onlyCreate, body));
    expect(code).toBe(403);
    expect(message).toContain(`ValidatingAdmissionPolicy '${POLICY}'`);
    expect(message).toContain(
      `would run as ServiceAccount ${env.namespace}/${ACTION_RUNNER_SERVICE_ACCOUNT}, which ${user('only-create')} may not use`,
    );
    expect(message).toContain(
      `missing permission verb "use" on resource "serviceaccounts" named "${ACTION_RUNNER_SERVICE_ACCOUNT}" (API group "") in namespace "${env.namespace}", or verb "create" on "pods" there`,
    );
    expect(await env.getWorkflowExecution(env.namespace, body.metadata.name)).toBeUndefined();
  });

  it('refuses a requester naming a ServiceAccount it may not use', async () => {
    const { code, message } = await refusal(create(requester, manifest({ serviceAccountName: 'deployer' })));
    expect(code).toBe(403);
    expect(message).toContain(`missing permission verb "use" on resource "serviceaccounts" named "deployer"`);
  });

  it('admits a pod creator with any ServiceAccount of the namespace (it could run those pods itself), and cluster administrators', async () => {
    await expect(create(podCreator, manifest({ serviceAccountName: 'deployer' }), true)).resolves.toMatchObject({
      spec: { serviceAccountName: 'deployer' },
    });
    const admin = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    await expect(create(admin, manifest({ serviceAccountName: 'deployer' }), true)).resolves.toMatchObject({
      spec: { serviceAccountName: 'deployer' },
    });
  });

  it('refuses a kubernaut.ai/requested-by annotation naming anyone but the creator', async () => {
    const { code, message } = await refusal(create(requester, manifest({ requestedBy: 'alice' })));
    expect(code).toBe(403);
    expect(message).toContain(
      `annotation kubernaut.ai/requested-by must be the name of the user creating the WorkflowExecution: it says "alice" but the request comes from "${user('requester')}"`,
    );
  });

  it('lets nobody change or remove the requester afterwards, not even a cluster administrator', async () => {
    const wfe = await create(requester, manifest({ requestedBy: user('requester') }));
    const admin = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
    const patch = (annotations: Record<string, string | null>) =>
      admin.patchNamespacedCustomObject(
        {
          ...WORKFLOW_EXECUTIONS,
          namespace: env.namespace,
          name: wfe.metadata.name,
          body: { metadata: { annotations } },
        },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
    for (const annotations of [{ [ANNOTATIONS.requestedBy]: 'alice' }, { [ANNOTATIONS.requestedBy]: null }]) {
      const { code, message } = await refusal(patch(annotations));
      expect(code).toBe(403);
      expect(message).toContain(
        `annotation kubernaut.ai/requested-by cannot change after creation (it was "${user('requester')}")`,
      );
    }
    // Other metadata stays writable: the worker's and the watcher's finalizer patches go through this policy too.
    await expect(patch({ note: 'reviewed' })).resolves.toMatchObject({
      metadata: { annotations: { note: 'reviewed' } },
    });
    await admin.deleteNamespacedCustomObject({
      ...WORKFLOW_EXECUTIONS,
      namespace: env.namespace,
      name: wfe.metadata.name,
    });
  });
});
