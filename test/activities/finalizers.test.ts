/**
 * The execution finalizer's updates against the real API server (issue #13: no read when the caller's
 * expectation of the stored finalizers is right). One JSON Patch tests the uid and the whole list and then
 * writes it; when the expectation is wrong — another controller's finalizer, a retried step, a WFE being
 * deleted or re-created — the update reads and converges as before, never dropping what others wrote.
 * The calls the activities make are recorded on the real client (no fake server).
 */
import * as k8s from '@kubernetes/client-node';
import { createWorkflowExecutionActivities, type WorkflowExecutionRef } from '../../src/activities/workflow-executions';
import { EXECUTION_FINALIZER } from '../../src/domain/names';
import { WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../src/kubernetes/resources';
import { workflowExecutionManifest } from '../support/execution-env';
import { createNamespace, eventually, kubeConfig } from '../support/stack';

jest.setTimeout(60_000);

const OTHER = 'other.example.com/keep';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('the execution finalizer: one patch when expected, a read when not', () => {
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  /** The API client's methods the activities called, in order. */
  const calls: string[] = [];
  const recorded = new Proxy(api, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const activities = createWorkflowExecutionActivities({ customObjects: recorded, policy: {} });
  let namespace: string;

  beforeAll(async () => {
    namespace = await createNamespace('finalizers');
  });
  beforeEach(() => {
    calls.length = 0;
  });

  async function create(finalizers?: string[]): Promise<WorkflowExecutionRef> {
    const manifest = workflowExecutionManifest({ steps: [{ name: 'restart' }] }, namespace);
    const created = (await api.createNamespacedCustomObject({
      ...WORKFLOW_EXECUTIONS,
      namespace,
      body: { ...manifest, metadata: { ...manifest.metadata, ...(finalizers && { finalizers }) } },
    })) as KubernetesObject;
    return { namespace, name: created.metadata.name, uid: created.metadata.uid! };
  }
  const read = async (ref: WorkflowExecutionRef) =>
    (await api.getNamespacedCustomObject({ ...WORKFLOW_EXECUTIONS, namespace, name: ref.name })) as KubernetesObject;
  const finalizersOf = async (ref: WorkflowExecutionRef) => (await read(ref)).metadata.finalizers ?? [];
  const setFinalizers = (ref: WorkflowExecutionRef, finalizers: string[] | null) =>
    api.patchNamespacedCustomObject(
      { ...WORKFLOW_EXECUTIONS, namespace, name: ref.name, body: { metadata: { finalizers } } },
      mergePatch,
    );

  it('adds and removes it with one patch each when the WFE holds what was expected', async () => {
    const ref = await create();
    await expect(activities.addExecutionFinalizer(ref, [])).resolves.toBe('written');
    expect(await finalizersOf(ref)).toEqual([EXECUTION_FINALIZER]);
    await expect(activities.removeExecutionFinalizer(ref, [EXECUTION_FINALIZER])).resolves.toBe('written');
    expect(await finalizersOf(ref)).toEqual([]);
    expect(calls).toEqual(['patchNamespacedCustomObject', 'patchNamespacedCustomObject']);
  });

  it("keeps another controller's finalizer that was not expected, added before ours and removed after", async () => {
    const ref = await create();
    await setFinalizers(ref, [OTHER]);
    await expect(activities.addExecutionFinalizer(ref, [])).resolves.toBe('written');
    expect(await finalizersOf(ref)).toEqual([OTHER, EXECUTION_FINALIZER]);
    // The failed expectation cost a read, and the write that followed was guarded by it.
    expect(calls).toEqual(['patchNamespacedCustomObject', 'getNamespacedCustomObject', 'patchNamespacedCustomObject']);

    await expect(activities.removeExecutionFinalizer(ref, [EXECUTION_FINALIZER])).resolves.toBe('written');
    expect(await finalizersOf(ref)).toEqual([OTHER]);
  });

  it('converges when repeated (a retried step): adding twice, removing twice', async () => {
    const ref = await create();
    await activities.addExecutionFinalizer(ref, []);
    await expect(activities.addExecutionFinalizer(ref, [])).resolves.toBe('written');
    expect(await finalizersOf(ref)).toEqual([EXECUTION_FINALIZER]);
    await activities.removeExecutionFinalizer(ref, [EXECUTION_FINALIZER]);
    await expect(activities.removeExecutionFinalizer(ref, [EXECUTION_FINALIZER])).resolves.toBe('written');
    expect(await finalizersOf(ref)).toEqual([]);
    // An expectation the change leaves as it is proves nothing: read, then nothing to write.
    calls.length = 0;
    await expect(activities.removeExecutionFinalizer(ref, [])).resolves.toBe('written');
    expect(calls).toEqual(['getNamespacedCustomObject']);
  });

  it('never writes another WFE of the same name (deleted and re-created): gone', async () => {
    const old = await create();
    await api.deleteNamespacedCustomObject({ ...WORKFLOW_EXECUTIONS, namespace, name: old.name });
    await eventually('the WFE deleted', async () =>
      (await finalizersOf(old).catch(() => 'gone')) === 'gone' ? true : undefined,
    );
    const manifest = workflowExecutionManifest({ steps: [{ name: 'restart' }] }, namespace);
    await api.createNamespacedCustomObject({
      ...WORKFLOW_EXECUTIONS,
      namespace,
      body: { ...manifest, metadata: { ...manifest.metadata, name: old.name } },
    });
    await expect(activities.addExecutionFinalizer(old, [])).resolves.toBe('gone');
    await expect(activities.removeExecutionFinalizer(old, [])).resolves.toBe('gone');
    expect(await finalizersOf(old)).toEqual([]);
  });

  it('does not add it to a WFE being deleted (gone), and a missing WFE is gone', async () => {
    const ref = await create([OTHER]);
    await api.deleteNamespacedCustomObject({ ...WORKFLOW_EXECUTIONS, namespace, name: ref.name });
    await expect(activities.addExecutionFinalizer(ref, [OTHER])).resolves.toBe('gone');
    expect(await finalizersOf(ref)).toEqual([OTHER]);
    await setFinalizers(ref, null); // lets it go
    await eventually('the WFE deleted', async () =>
      (await finalizersOf(ref).catch(() => 'gone')) === 'gone' ? true : undefined,
    );
    await expect(activities.addExecutionFinalizer(ref, [])).resolves.toBe('gone');
    await expect(activities.removeExecutionFinalizer(ref, [EXECUTION_FINALIZER])).resolves.toBe('gone');
  });
});
