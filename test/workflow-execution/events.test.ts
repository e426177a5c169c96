/**
 * The Kubernetes Events of WorkflowExecutions (issue #15), the way operators meet them: WFEs created in the
 * API server and started by the watcher, real Tekton running their PipelineRuns, the real kubectl's
 * `describe` and `events` showing what the worker reported — for a success, a failed step, a deletion and a
 * WFE that waited for its target. Then retries: steps made to fail after their Event was created (a front
 * before the API server answers 503 once), retried by Temporal, must not add a second Event.
 */
import * as k8s from '@kubernetes/client-node';
import { workflowExecutionWorkflowId } from '../../src/domain/names';
import { EVENT_REPORTING_CONTROLLER } from '../../src/domain/workflow-execution-events';
import type { WorkflowExecutionStatus } from '../../src/domain/workflow-execution';
import { WORKFLOW_EXECUTIONS, type KubernetesObject } from '../../src/kubernetes/resources';
import { workflowExecutionOutcome } from '../../src/temporal-client/workflow-execution-outcome';
import { startApiServerFront, type ApiServerFront } from '../support/api-server-front';
import {
  createExecutionEnv,
  FAST_OPTIONS,
  workflowExecutionManifest,
  type ExecutionEnv,
} from '../support/execution-env';
import { kubectl, kubectlEventReasons } from '../support/kubectl';
import { eventually, identityKubeConfig } from '../support/stack';
import { startInProcessWatcher, type InProcessWatcher } from '../watcher/support/watcher-env';

jest.setTimeout(300_000);

interface ShownEvent {
  type: string;
  reason: string;
  from: string;
  message: string;
}

/** The rows of the Events table `kubectl describe` prints last (Type, Reason, Age, From, Message). */
function describedEvents(output: string): ShownEvent[] {
  const lines = output.split('\n');
  const at = lines.findIndex((l) => l.startsWith('Events:'));
  if (at < 0 || lines[at].includes('<none>')) return [];
  expect(lines[at + 1]).toMatch(/^\s+Type\s+Reason\s+Age\s+From\s+Message/);
  return lines
    .slice(at + 3)
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [type, reason, , from, ...message] = l.trim().split(/\s{2,}/);
      return { type, reason, from, message: message.join('  ') };
    });
}

/** The WFE's Events from the events.k8s.io API, oldest first. */
async function eventsOf(api: k8s.EventsV1Api, wfe: KubernetesObject): Promise<k8s.EventsV1Event[]> {
  const list = await api.listNamespacedEvent({
    namespace: wfe.metadata.namespace!,
    fieldSelector: `regarding.uid=${wfe.metadata.uid}`,
  });
  return list.items.sort((a, b) => new Date(a.eventTime).getTime() - new Date(b.eventTime).getTime());
}

const reasons = (events: { reason?: string }[]) => events.map((e) => e.reason);

describe('Kubernetes Events of WorkflowExecutions, seen with kubectl', () => {
  let env: ExecutionEnv;
  let watcher: InProcessWatcher;
  let eventsApi: k8s.EventsV1Api;

  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'events', stepDurationMs: 300 });
    watcher = await startInProcessWatcher(env, { workflowOptions: FAST_OPTIONS });
    eventsApi = env.kc.makeApiClient(k8s.EventsV1Api);
  });
  afterAll(async () => {
    await watcher?.stop();
    await env?.close();
  });

  const statusOf = async (wfe: KubernetesObject) =>
    (await env.getWorkflowExecution(env.namespace, wfe.metadata.name))?.status as WorkflowExecutionStatus | undefined;

  /** Waits until the WFE's workflow (started by the watcher) has ended: no Event comes after that. */
  async function workflowEnded(wfe: KubernetesObject): Promise<void> {
    const handle = env.client.workflow.getHandle(
      workflowExecutionWorkflowId({ namespace: env.namespace, name: wfe.metadata.name, uid: wfe.metadata.uid! }),
    );
    await eventually(
      `the workflow of ${wfe.metadata.name} to end`,
      async () => {
        const { status } = await handle.describe();
        return status.name === 'RUNNING' ? undefined : status.name;
      },
      180_000,
      250,
    );
  }

  const describe_ = async (wfe: KubernetesObject) =>
    describedEvents(await kubectl(['describe', 'wfe', wfe.metadata.name, '-n', env.namespace]));

  it('shows PipelineRunCreated and WorkflowCompleted for a success, once each, from the worker', async () => {
    const wfe = await env.createWorkflowExecution({
      steps: [{ name: 'restart' }, { name: 'verify', runAfter: ['restart'] }],
    });
    await workflowEnded(wfe);
    const status = await statusOf(wfe);
    expect(status?.phase).toBe('Completed');

    const shown = await describe_(wfe);
    expect(shown).toEqual([
      {
        type: 'Normal',
        reason: 'PipelineRunCreated',
        from: EVENT_REPORTING_CONTROLLER,
        message: `Created PipelineRun ${status!.pipelineRunRef!.name} for 2 steps`,
      },
      {
        type: 'Normal',
        reason: 'WorkflowCompleted',
        from: EVENT_REPORTING_CONTROLLER,
        message: expect.stringMatching(/^2\/2 steps succeeded in \S+$/) as string,
      },
    ]);

    const events = await eventsOf(eventsApi, wfe);
    expect(reasons(events)).toEqual(['PipelineRunCreated', 'WorkflowCompleted']);
    for (const e of events) {
      expect(e.regarding).toMatchObject({
        apiVersion: 'kubernaut.ai/v1alpha1',
        kind: 'WorkflowExecution',
        namespace: env.namespace,
        name: wfe.metadata.name,
        uid: wfe.metadata.uid,
      });
      expect(e.reportingController).toBe(EVENT_REPORTING_CONTROLLER);
      expect(e.reportingInstance).toBeTruthy();
      expect(e.related).toMatchObject({ kind: 'PipelineRun', name: status!.pipelineRunRef!.name });
    }
    // kubectl events --for, the other way to ask.
    const table = await kubectl(['events', '-n', env.namespace, '--for', `wfe/${wfe.metadata.name}`]);
    expect(table).toMatch(/Normal\s+PipelineRunCreated/);
    expect(table).toMatch(/Normal\s+WorkflowCompleted/);
  });

  it('shows a failed step as a StepFailed warning with its reason and exit code, then WorkflowFailed', async () => {
    const wfe = await env.createWorkflowExecution({
      steps: [
        { name: 'check', inputs: { simulate: { outcome: 'fail', exitCode: 2 } } },
        { name: 'restart', runAfter: ['check'] },
      ],
    });
    await workflowEnded(wfe);
    expect((await statusOf(wfe))?.failureDetails).toMatchObject({ reason: 'TaskFailed', failedStep: 'check' });

    const shown = await describe_(wfe);
    expect(shown.map((e) => `${e.type} ${e.reason}`)).toEqual([
      'Normal PipelineRunCreated',
      'Warning StepFailed',
      'Warning WorkflowFailed',
    ]);
    expect(shown[1].message).toMatch(/^Step check \(kubernetes\/restart_pod\) failed: TaskFailed, exit code 2/);
    expect(shown[2].message).toMatch(/^TaskFailed in step check: .+; 0\/2 steps succeeded$/);
    const stepFailed = (await eventsOf(eventsApi, wfe))[1];
    expect(stepFailed.related).toMatchObject({ kind: 'TaskRun', namespace: env.namespace });
  });

  it('reports WorkflowCancelled on a WFE deleted with kubectl before its finalizer goes: describe shows it while the WFE terminates, the events API after', async () => {
    // Another controller's finalizer keeps the deleted WFE visible after the worker released its own.
    const hold = 'test.kubernaut.ai/hold';
    const manifest = workflowExecutionManifest(
      { steps: [{ name: 'drain', inputs: { simulate: { durationMs: 120_000 } } }] },
      env.namespace,
    );
    const wfe = (await env.customObjects.createNamespacedCustomObject({
      ...WORKFLOW_EXECUTIONS,
      namespace: env.namespace,
      body: { ...manifest, metadata: { ...manifest.metadata, finalizers: [hold] } },
    })) as KubernetesObject;
    await eventually(
      'the step to run',
      async () => ((await statusOf(wfe))?.steps?.[0]?.phase === 'Running' ? true : undefined),
      120_000,
    );

    await kubectl(['delete', 'wfe', wfe.metadata.name, '-n', env.namespace, '--wait=false']);
    await eventually(
      'the worker to release its finalizer (the workflow cleaned up)',
      async () => {
        const current = await env.getWorkflowExecution(env.namespace, wfe.metadata.name);
        return current?.metadata.finalizers?.join() === hold ? current : undefined;
      },
      120_000,
    );
    await workflowEnded(wfe);
    const output = await kubectl(['describe', 'wfe', wfe.metadata.name, '-n', env.namespace]);
    expect(output).toMatch(/Deletion Timestamp:/);
    const shown = describedEvents(output);
    expect(shown.map((e) => `${e.type} ${e.reason}`)).toEqual([
      'Normal PipelineRunCreated',
      'Warning WorkflowCancelled',
    ]);
    expect(shown[1].message).toMatch(/^Cancelled: /);

    await kubectl([
      'patch',
      'wfe',
      wfe.metadata.name,
      '-n',
      env.namespace,
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    await eventually(
      'the WFE to be gone',
      async () => ((await env.getWorkflowExecution(env.namespace, wfe.metadata.name)) ? undefined : true),
      60_000,
    );
    // Events outlive their object (until the API server's event TTL): still there by its name.
    const reasons = await kubectlEventReasons(env.namespace, `regarding.name=${wfe.metadata.name}`);
    expect(reasons.sort()).toEqual(['PipelineRunCreated', 'WorkflowCancelled']);
  });

  it('reports one WaitingForTarget per wait however often its place changes, then TargetAcquired', async () => {
    const target = `${env.namespace}/Deployment/busy`;
    const onTarget = (ms: number) =>
      env.createWorkflowExecution({
        target,
        steps: [{ name: 'scale', actionType: 'kubernetes/scale_deployment', inputs: { simulate: { durationMs: ms } } }],
      });
    const holder = await onTarget(4_000);
    await eventually(
      'the first to hold the target',
      async () => ((await statusOf(holder))?.targetLock?.acquiredAt ? true : undefined),
      120_000,
    );
    const next = await onTarget(3_000);
    const last = await onTarget(300);
    await eventually(
      'the last to wait at position 2',
      async () => ((await statusOf(last))?.targetLock?.position === 2 ? true : undefined),
      120_000,
    );
    await eventually(
      'the last to move up to position 1',
      async () => ((await statusOf(last))?.targetLock?.position === 1 ? true : undefined),
      120_000,
    );
    for (const wfe of [holder, next, last]) await workflowEnded(wfe);

    expect(reasons(await eventsOf(eventsApi, holder))).toEqual(['PipelineRunCreated', 'WorkflowCompleted']);
    const shown = await describe_(last);
    expect(shown.map((e) => `${e.type} ${e.reason}`)).toEqual([
      'Normal WaitingForTarget',
      'Normal TargetAcquired',
      'Normal PipelineRunCreated',
      'Normal WorkflowCompleted',
    ]);
    // The place it was first given: the older `next` may reach the lock after it (README, "Order").
    expect(shown[0].message).toMatch(
      new RegExp(
        `^Waiting for the target: position [12] of [12] for ${target}, held by ${env.namespace}/${holder.metadata.name}$`,
      ),
    );
    expect(shown[1].message).toMatch(new RegExp(`^Acquired the target ${target} after waiting \\d+s$`));
  });
});

describe('Events of steps retried after their Event was created', () => {
  let front: ApiServerFront;
  let env: ExecutionEnv;
  let eventsApi: k8s.EventsV1Api;

  beforeAll(async () => {
    // The worker, as its deploy/ ServiceAccount, through a front that can fail its requests.
    front = await startApiServerFront(identityKubeConfig('worker'));
    env = await createExecutionEnv({
      prefix: 'evretry',
      stepDurationMs: 300,
      workerKubeConfig: () => front.kubeConfig(),
    });
    eventsApi = env.kc.makeApiClient(k8s.EventsV1Api);
  });
  afterEach(() => front.clear());
  afterAll(async () => {
    await env?.close();
    await front?.close();
  });

  const unavailable = {
    code: 503,
    reason: 'ServiceUnavailable',
    message: 'the server is currently unable to handle the request',
  };
  const path = (wfe: KubernetesObject, rest = '') =>
    new RegExp(`/namespaces/${env.namespace}/workflowexecutions/${wfe.metadata.name}${rest}(\\?|$)`);

  it('adds no second PipelineRunCreated or WorkflowCompleted when beginExecution and finishExecution are retried from their start', async () => {
    const wfe = await env.createWorkflowExecution({
      // Long enough that finishExecution cannot begin before the release's failure below is set up.
      steps: [{ name: 'restart', inputs: { simulate: { durationMs: 8_000 } } }],
    });
    const creates = front.count({ method: 'POST', path: `/namespaces/${env.namespace}/events` });
    // beginExecution: the PipelineRun and its Event are created, then its status write fails once.
    const statusWrite = front.fail({ method: 'PATCH', path: path(wfe, '/status') }, unavailable, 1);
    const handle = await env.start(wfe);
    // beginExecution's retry wrote the status that names the PipelineRun. (Not "the step is Running": on a
    // slow machine the step may end before the waiting activity first sees it, and never show Running.)
    await eventually(
      'beginExecution to write the status that names the PipelineRun',
      async () => {
        const status = (await env.getWorkflowExecution(env.namespace, wfe.metadata.name))?.status as
          WorkflowExecutionStatus | undefined;
        return status?.pipelineRunRef ? true : undefined;
      },
      120_000,
    );
    expect(statusWrite.answered).toBe(1);
    // finishExecution: its final Event is created, then the release of the finalizer fails once.
    const release = front.fail({ method: 'PATCH', path: path(wfe) }, unavailable, 1);
    expect(await handle.result()).toMatchObject({ phase: 'Completed' });
    expect(release.answered).toBe(1);

    const events = await eventsOf(eventsApi, wfe);
    expect(reasons(events)).toEqual(['PipelineRunCreated', 'WorkflowCompleted']);
    // Each retry created its Event again: the API server said AlreadyExists, and that was that.
    expect(creates.passed).toBe(4);
    expect((await env.getWorkflowExecution(env.namespace, wfe.metadata.name))?.metadata.finalizers ?? []).toEqual([]);
  });

  it('adds no second StepFailed when the waiting activity is retried after it reported the step', async () => {
    const wfe = await env.createWorkflowExecution({
      steps: [
        { name: 'check', inputs: { simulate: { outcome: 'fail', exitCode: 4 } } },
        { name: 'slow', inputs: { simulate: { durationMs: 4_000 } } },
      ],
    });
    const handle = await env.start(wfe);
    await eventually(
      'the StepFailed Event of check',
      async () => ((await eventsOf(eventsApi, wfe)).some((e) => e.reason === 'StepFailed') ? true : undefined),
      120_000,
    );
    const creates = front.count({ method: 'POST', path: `/namespaces/${env.namespace}/events` });
    // The waiting activity's next status write (slow finishing) fails: the activity is retried from the
    // begin step's status and sees check fail again.
    const statusWrite = front.fail({ method: 'PATCH', path: path(wfe, '/status') }, unavailable, 1);
    expect(await workflowExecutionOutcome(handle)).toMatchObject({ phase: 'Failed', reason: 'TaskFailed' });
    expect(statusWrite.answered).toBe(1);

    const events = await eventsOf(eventsApi, wfe);
    expect(reasons(events)).toEqual(['PipelineRunCreated', 'StepFailed', 'WorkflowFailed']);
    expect(events[1].note).toMatch(/^Step check \(kubernetes\/restart_pod\) failed: TaskFailed, exit code 4/);
    // The retried wait's StepFailed (AlreadyExists) and the final Event.
    expect(creates.passed).toBe(2);
  });

  it('never fails a remediation over its Events: refused ones are left out, the WFE completes', async () => {
    const wfe = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] });
    const refused = front.fail(
      { method: 'POST', path: `/namespaces/${env.namespace}/events` },
      { code: 403, reason: 'Forbidden', message: 'events.events.k8s.io is forbidden' },
    );
    expect(await (await env.start(wfe)).result()).toMatchObject({ phase: 'Completed' });
    expect(refused.answered).toBe(2); // PipelineRunCreated and WorkflowCompleted, each tried once
    expect(await eventsOf(eventsApi, wfe)).toEqual([]);
  });
});
