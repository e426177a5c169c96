/**
 * How the activities on the API server report what retrying cannot fix, against the real API server:
 * a PipelineRun of the WFE's name owned by someone else is never adopted, and a 403 (the worker's RBAC
 * lacks a permission) fails at once as KubernetesForbidden, which the workflow reports as Forbidden — the
 * 403 is the API server's own, for a ServiceAccount whose Role lacks the permission. A transient error
 * (503, which a healthy server does not give on demand) comes from a front that answers as a real server
 * would (test/support/api-server-front.ts) and is thrown as it is, for the activity's retry policy.
 */
import * as k8s from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { createPipelineRunActivities, type PipelineRunActivities } from '../../src/activities/pipeline-runs';
import {
  createWorkflowExecutionActivities,
  type WorkflowExecutionActivities,
} from '../../src/activities/workflow-executions';
import { FAILURE_TYPES, failureReasonOf } from '../../src/domain/activity-failures';
import { pipelineRunName } from '../../src/domain/pipeline-run';
import { initialWorkflowExecutionStatus } from '../../src/domain/status';
import { validateWorkflowExecution } from '../../src/domain/validation';
import type { WorkflowExecution } from '../../src/domain/workflow-execution';
import { PipelineRunObserver } from '../../src/kubernetes/pipeline-run-observer';
import { PIPELINE_RUNS, WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../src/kubernetes/resources';
import { startApiServerFront, type ApiServerFront } from '../support/api-server-front';
import { workflowExecutionManifest } from '../support/execution-env';
import { createNamespace, kubeConfig, serviceAccountKubeConfig } from '../support/stack';

jest.setTimeout(60_000);

/** Activities built as the worker builds them, on the given API client. */
function activitiesOn(kc: k8s.KubeConfig): PipelineRunActivities & WorkflowExecutionActivities {
  const customObjects = kc.makeApiClient(k8s.CustomObjectsApi);
  return {
    ...createPipelineRunActivities({ customObjects, observer: new PipelineRunObserver({ kubeConfig: kc }) }),
    ...createWorkflowExecutionActivities({ customObjects, policy: {} }),
  };
}

describe('activities on the API server: failures retrying cannot fix', () => {
  let namespace: string;
  const api = kubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const direct = activitiesOn(kubeConfig());
  let front: ApiServerFront;
  let throughFront: ReturnType<typeof activitiesOn>;
  /** An identity that may read WorkflowExecutions and nothing else. */
  let readOnly: ReturnType<typeof activitiesOn>;
  beforeAll(async () => {
    namespace = await createNamespace('activities');
    front = await startApiServerFront(kubeConfig());
    throughFront = activitiesOn(front.kubeConfig());
    readOnly = activitiesOn(
      await serviceAccountKubeConfig(namespace, 'read-only', [
        { apiGroups: ['kubernaut.ai'], resources: ['workflowexecutions'], verbs: ['get'] },
      ]),
    );
  });
  afterEach(() => front.clear());
  afterAll(async () => {
    await front?.close();
  });

  /** A WFE created in the API server, as the workflow sees it after validation. */
  async function workflowExecution(): Promise<WorkflowExecution> {
    const created = await api.createNamespacedCustomObject({
      ...WORKFLOW_EXECUTIONS,
      namespace,
      body: workflowExecutionManifest({ steps: [{ name: 'restart' }] }, namespace),
    });
    const validation = validateWorkflowExecution(created);
    if (!validation.ok) throw new Error(JSON.stringify(validation.errors));
    return validation.value;
  }

  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the activity to fail');
      },
      (err: unknown) => err,
    );

  describe('createPipelineRun', () => {
    it('creates the PipelineRun, and adopts it when a retried create finds it is this WFE’s', async () => {
      const wfe = await workflowExecution();
      const input = { workflowExecution: wfe, temporalWorkflowId: `wfe/${namespace}/${wfe.metadata.name}` };
      const ref = { name: pipelineRunName(wfe), namespace };
      expect(await direct.createPipelineRun(input)).toEqual({ pipelineRunRef: ref, created: true });
      expect(await direct.createPipelineRun(input)).toEqual({ pipelineRunRef: ref, created: false });
    });

    it('refuses a PipelineRun of its name owned by another WorkflowExecution, and leaves it alone', async () => {
      const wfe = await workflowExecution();
      const name = pipelineRunName(wfe);
      // A real owner: the garbage collector would delete a PipelineRun whose owner does not exist.
      const owner = await workflowExecution();
      const other = {
        apiVersion: 'kubernaut.ai/v1alpha1',
        kind: 'WorkflowExecution',
        name: owner.metadata.name,
        uid: owner.metadata.uid!,
      };
      await api.createNamespacedCustomObject({
        ...PIPELINE_RUNS,
        namespace,
        body: {
          apiVersion: 'tekton.dev/v1',
          kind: 'PipelineRun',
          metadata: { name, namespace, ownerReferences: [{ ...other, controller: true }] },
          spec: { pipelineSpec: { tasks: [{ name: 'other', taskRef: { name: 'kubernaut-action' } }] } },
        },
      });

      const err = await failureOf(direct.createPipelineRun({ workflowExecution: wfe, temporalWorkflowId: 'wfe/x' }));
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ nonRetryable: true, type: FAILURE_TYPES.pipelineRunOwnershipConflict });
      expect((err as Error).message).toContain(`PipelineRun ${namespace}/${name} already exists`);
      expect((err as Error).message).toContain(`WorkflowExecution ${other.name} (uid ${other.uid})`);
      expect(failureReasonOf((err as ApplicationFailure).type ?? undefined)).toBe('ConfigurationError');

      const kept = (await api.getNamespacedCustomObject({ ...PIPELINE_RUNS, namespace, name })) as KubernetesObject;
      expect(kept.metadata.ownerReferences?.map((o) => o.uid)).toEqual([other.uid]);
    });

    it('fails at once as KubernetesForbidden when the API server answers 403, reported as Forbidden', async () => {
      const wfe = await workflowExecution();
      const err = await failureOf(readOnly.createPipelineRun({ workflowExecution: wfe, temporalWorkflowId: 'wfe/x' }));
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ nonRetryable: true, type: FAILURE_TYPES.kubernetesForbidden });
      expect((err as Error).message).toContain(`creating PipelineRun ${namespace}/${pipelineRunName(wfe)}`);
      expect((err as Error).message).toContain('HTTP 403: Forbidden: pipelineruns.tekton.dev is forbidden');
      expect(failureReasonOf((err as ApplicationFailure).type ?? undefined)).toBe('Forbidden');
    });

    it('throws a transient error as it is, for the retry policy', async () => {
      const wfe = await workflowExecution();
      front.fail(
        { method: 'POST', path: '/pipelineruns' },
        { code: 503, reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request' },
      );
      const err = await failureOf(
        throughFront.createPipelineRun({ workflowExecution: wfe, temporalWorkflowId: 'wfe/x' }),
      );
      expect(err).not.toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ code: 503 });
    });
  });

  describe('syncWorkflowExecutionStatus', () => {
    it('fails at once as KubernetesForbidden when the API server answers 403', async () => {
      const wfe = await workflowExecution();
      const ref = { namespace, name: wfe.metadata.name, uid: wfe.metadata.uid! };
      const err = await failureOf(
        readOnly.syncWorkflowExecutionStatus({ ref, status: initialWorkflowExecutionStatus(wfe, new Date()) }),
      );
      expect(err).toMatchObject({ nonRetryable: true, type: FAILURE_TYPES.kubernetesForbidden });
      expect((err as Error).message).toContain(
        `updating status of WorkflowExecution ${namespace}/${wfe.metadata.name}`,
      );
    });
  });
});
