/**
 * RemediationRequests reaching a terminal phase are reported to the effectiveness monitor, so remediations
 * that end without their WorkflowExecution finishing are assessed too — exactly once, however many
 * watchers report it and whether or not the WFE's own workflow reports it as well. Two watcher replicas
 * run throughout; the monitor is started by the watchers with a stabilization window of 0
 * (KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS), in a Temporal namespace of this file's own.
 */
import * as k8s from '@kubernetes/client-node';
import { effectivenessAssessmentWorkflowId, effectivenessMonitorWorkflowId } from '../../src/domain/names';
import { REMEDIATION_REQUESTS, type KubernetesObject } from '../../src/kubernetes/resources';
import type { EffectivenessMonitorStatus } from '../../src/workflows/effectiveness-monitor';
import { eventually, uniqueName } from '../support/stack';
import { createExecutionEnv, type ExecutionEnv } from '../support/execution-env';
import { allCompleted, startInProcessWatcher, type InProcessWatcher } from './support/watcher-env';

jest.setTimeout(300_000);

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('watcher: terminal RemediationRequests', () => {
  let env: ExecutionEnv;
  let replicas: InProcessWatcher[] = [];

  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'watch-rr' });
    const options = { stabilizationWindowMs: 0 };
    replicas = [await startInProcessWatcher(env, options), await startInProcessWatcher(env, options)];
  });
  afterAll(async () => {
    for (const r of replicas) await r.stop();
    await env?.close();
  });

  async function createRemediationRequest(name: string): Promise<KubernetesObject> {
    return (await env.customObjects.createNamespacedCustomObject({
      ...REMEDIATION_REQUESTS,
      namespace: env.namespace,
      body: {
        apiVersion: 'kubernaut.ai/v1alpha1',
        kind: 'RemediationRequest',
        metadata: { name, namespace: env.namespace },
        spec: {
          signalName: 'HighLatency',
          targetResource: { kind: 'Deployment', name: 'payment', namespace: env.namespace },
        },
      },
    })) as KubernetesObject;
  }

  function patchRemediationRequest(name: string, patch: object, subresource: 'status' | 'object' = 'status') {
    const request = { ...REMEDIATION_REQUESTS, namespace: env.namespace, name, body: patch };
    return subresource === 'status'
      ? env.customObjects.patchNamespacedCustomObjectStatus(request, mergePatch)
      : env.customObjects.patchNamespacedCustomObject(request, mergePatch);
  }

  const monitorStatus = () =>
    env.client.workflow.getHandle(effectivenessMonitorWorkflowId(0)).query<EffectivenessMonitorStatus>('status');

  async function assessmentRuns(remediation: { namespace: string; name: string }): Promise<number> {
    let runs = 0;
    const id = effectivenessAssessmentWorkflowId(remediation);
    for await (const _ of env.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs++;
    return runs;
  }

  const remediationEvents = (r: InProcessWatcher) =>
    r.watcher
      .stats()
      .informers.filter((i) => i.resource === 'remediationrequests')
      .reduce((n, i) => n + i.events, 0);

  /** Both replicas have handled every RemediationRequest event seen so far. */
  async function replicasIdle(): Promise<void> {
    for (const r of replicas) await r.watcher.idle();
  }

  it('assesses a RemediationRequest patched to TimedOut exactly once, though both replicas report it', async () => {
    const name = uniqueName('rr-timeout');
    const remediation = { namespace: env.namespace, name };
    await createRemediationRequest(name);
    await patchRemediationRequest(name, { status: { overallPhase: 'Executing' } });
    await patchRemediationRequest(name, { status: { overallPhase: 'TimedOut' } });

    const assessment = await eventually(
      'the assessment to be stored',
      async () => (await env.dataStorage.getAssessment(`${env.namespace}/${name}`)) ?? undefined,
      120_000,
    );
    expect(assessment).toMatchObject({
      remediationId: `${env.namespace}/${name}`,
      target: `${env.namespace}/Deployment/payment`,
      // It never got a WorkflowExecution: nothing ran, so nothing is scored.
      status: 'no_execution',
      score: null,
    });
    // Both replicas reported it; the monitor kept one.
    const totals = await eventually(
      'both reports to reach the monitor',
      async () => {
        const t = (await monitorStatus()).totals;
        return t.received === 2 ? t : undefined;
      },
      60_000,
    );
    expect(totals).toMatchObject({ received: 2, duplicates: 1, started: 1 });

    // A later change of the resource is not a new report.
    const seenBefore = replicas.map(remediationEvents);
    await patchRemediationRequest(name, { metadata: { labels: { reviewed: 'yes' } } }, 'object');
    await eventually(
      'both replicas to see the change',
      () => (replicas.every((r, i) => remediationEvents(r) > seenBefore[i]!) ? true : undefined),
      60_000,
    );
    await replicasIdle();
    expect((await monitorStatus()).totals.received).toBe(2);
    await eventually('the assessment workflow to be listed', async () =>
      (await assessmentRuns(remediation)) > 0 ? true : undefined,
    );
    expect(await assessmentRuns(remediation)).toBe(1);
  });

  it('assesses once a remediation that timed out while its WorkflowExecution ran, which then completed', async () => {
    const name = uniqueName('rr-race');
    const remediation = { namespace: env.namespace, name };
    await createRemediationRequest(name);
    const before = (await monitorStatus()).totals;
    const wfe = await env.createWorkflowExecution({
      remediation: name,
      steps: [{ name: 'restart', actionType: 'kubernetes/restart_pod', inputs: { simulate: { durationMs: 3_000 } } }],
    });
    await eventually(
      'the WFE to have its PipelineRun',
      async () => {
        const current = await env.getWorkflowExecution(env.namespace, wfe.metadata.name);
        return (current?.status as { pipelineRunRef?: unknown } | undefined)?.pipelineRunRef ? true : undefined;
      },
      120_000,
    );
    await patchRemediationRequest(name, { status: { overallPhase: 'TimedOut' } });
    await allCompleted(env, [wfe.metadata.name], 120_000);

    // Two replicas and the WFE's own workflow reported it: three reports, one assessment.
    const totals = await eventually(
      'the three reports to reach the monitor',
      async () => {
        const t = (await monitorStatus()).totals;
        return t.received - before.received === 3 ? t : undefined;
      },
      120_000,
    );
    expect(totals.duplicates - before.duplicates).toBe(2);
    const assessment = await eventually(
      'the assessment to be stored',
      async () => (await env.dataStorage.getAssessment(`${env.namespace}/${name}`)) ?? undefined,
      120_000,
    );
    // Whoever reported first, the action types come from the remediation's action records; it ran, so it is scored.
    expect(assessment.actionTypes).toEqual(['kubernetes/restart_pod']);
    expect(assessment.status).not.toBe('no_execution');
    expect(assessment.score).not.toBeNull();
    await eventually('the assessment workflow to be listed', async () =>
      (await assessmentRuns(remediation)) > 0 ? true : undefined,
    );
    expect(await assessmentRuns(remediation)).toBe(1);
  });
});
