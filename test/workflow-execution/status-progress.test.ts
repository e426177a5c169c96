/**
 * How often the waiting activity writes a WFE's status while its PipelineRun runs (issue #13): progress at
 * most once per KUBERNAUT_STATUS_PROGRESS_INTERVAL, counted from the begin step's write (changes in between
 * merge into one write), the final status at once. Counted at the API server: the worker, as its deploy/
 * ServiceAccount, goes through a front that counts its status writes. Real Tekton, KWOK's pods.
 */
import type { WorkflowExecutionStatus } from '../../src/domain/workflow-execution';
import type { KubernetesObject } from '../../src/kubernetes/resources';
import { startApiServerFront, type ApiServerFront } from '../support/api-server-front';
import { createExecutionEnv, type ExecutionEnv } from '../support/execution-env';
import { eventually, identityKubeConfig } from '../support/stack';

jest.setTimeout(180_000);

const INTERVAL_MS = 2_500;

let front: ApiServerFront;
beforeAll(async () => {
  front = await startApiServerFront(identityKubeConfig('worker'));
});
afterAll(async () => {
  await front?.close();
});

/** Counts the worker's status writes of this WFE from now on. */
const statusWrites = (env: ExecutionEnv, wfe: KubernetesObject) =>
  front.count({
    method: 'PATCH',
    path: new RegExp(`/namespaces/${env.namespace}/workflowexecutions/${wfe.metadata.name}/status(\\?|$)`),
  });

describe('progress writes of a WFE status', () => {
  let env: ExecutionEnv;

  beforeAll(async () => {
    env = await createExecutionEnv({
      prefix: 'progress',
      progressWriteIntervalMs: INTERVAL_MS,
      workerKubeConfig: () => front.kubeConfig(),
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  const stepPhases = (status: WorkflowExecutionStatus | undefined) => status?.steps?.map((s) => [s.name, s.phase]);

  it('merges the changes of quick steps into at most one write per interval, and writes the final status at once', async () => {
    const names = ['one', 'two', 'three', 'four', 'five'];
    const wfe = await env.createWorkflowExecution({
      steps: names.map((name, i) => ({
        name,
        actionType: 'kubernetes/restart_pod',
        runAfter: i === 0 ? [] : [names[i - 1]!],
        inputs: { simulate: { durationMs: 50 } },
      })),
    });
    const writes = statusWrites(env, wfe);
    const startedAt = Date.now();
    const result = await env.run(wfe);
    const tookMs = Date.now() - startedAt;

    expect(result.phase).toBe('Completed');
    const stored = (await env.getWorkflowExecution(env.namespace, wfe.metadata.name))!
      .status as WorkflowExecutionStatus;
    expect(stepPhases(stored)).toEqual(names.map((n) => [n, 'Succeeded']));
    // Five steps start and finish one after another: ten changes or more. Written: the begin step's status,
    // one progress write per interval at most (counted from it), the final status.
    expect(writes.passed).toBeGreaterThanOrEqual(2);
    expect(writes.passed).toBeLessThanOrEqual(2 + Math.floor(tookMs / INTERVAL_MS));
  });

  it('still shows a long step running while it runs', async () => {
    const wfe = await env.createWorkflowExecution({
      steps: [
        { name: 'quick', actionType: 'kubernetes/restart_pod', inputs: { simulate: { durationMs: 50 } } },
        {
          name: 'long',
          actionType: 'kubernetes/scale_deployment',
          runAfter: ['quick'],
          inputs: { simulate: { durationMs: 4 * INTERVAL_MS } },
        },
      ],
    });
    const run = env.run(wfe);
    const shown = await eventually(
      'the long step shown Running while it runs',
      async () => {
        const now = (await env.getWorkflowExecution(env.namespace, wfe.metadata.name))?.status;
        const phases = stepPhases(now as WorkflowExecutionStatus | undefined);
        return phases?.[1]?.[1] === 'Running' ? phases : undefined;
      },
      // Long enough for a slow machine to get the long step started. The status shows it Running only while
      // it runs: a progress write held back until the end would show it Succeeded, and this would time out.
      60_000,
    );
    expect(shown).toEqual([
      ['quick', 'Succeeded'],
      ['long', 'Running'],
    ]);
    expect((await run).phase).toBe('Completed');
  });
});

describe('a PipelineRun done within the progress interval', () => {
  let env: ExecutionEnv;

  beforeAll(async () => {
    // An interval far longer than the run: the interval counts from the begin step's write.
    env = await createExecutionEnv({
      prefix: 'progress-long',
      progressWriteIntervalMs: 150_000,
      workerKubeConfig: () => front.kubeConfig(),
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('costs two status writes, the begin step’s and the final one: its progress merges into the end', async () => {
    const wfe = await env.createWorkflowExecution({
      steps: ['one', 'two', 'three'].map((name) => ({
        name,
        actionType: 'kubernetes/restart_pod',
        inputs: { simulate: { durationMs: 50 } },
      })),
    });
    const writes = statusWrites(env, wfe);
    expect((await env.run(wfe)).phase).toBe('Completed');
    const stored = (await env.getWorkflowExecution(env.namespace, wfe.metadata.name))!
      .status as WorkflowExecutionStatus;
    expect(stored.steps?.map((s) => s.phase)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    expect(writes.passed).toBe(2);
  });
});
