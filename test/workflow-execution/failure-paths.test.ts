import { pipelineRunName } from '../../src/domain/pipeline-run';
import { PIPELINE_RUNS, type KubernetesObject } from '../../src/kubernetes/resources';
import { getStackInfo } from '../support/stack';
import { createExecutionEnv, type ExecutionEnv } from '../support/execution-env';
import { outcomeOf } from './support/assertions';
import { createStalledNamespace } from './support/stalled-tekton';

jest.setTimeout(120_000);

describe('workflowExecutionWorkflow: failing steps and invalid specs', () => {
  let env: ExecutionEnv;
  beforeAll(async () => {
    // The worker's image policy: only the stack's action registry. The CRD cannot know it; validation does.
    env = await createExecutionEnv({
      prefix: 'fail',
      policy: { allowedRegistries: [getStackInfo().registry.address] },
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('reports a step exiting non-zero as TaskFailed with its exit code, and skips its dependants', async () => {
    const wfe = await env.createWorkflowExecution({
      steps: [
        { name: 'restart', inputs: { simulate: { outcome: 'fail', exitCode: 3 } } },
        { name: 'verify', runAfter: ['restart'] },
      ],
    });
    const result = await env.run(wfe);
    expect(result).toMatchObject({ phase: 'Failed', reason: 'TaskFailed' });

    const { status, pipelineRuns, records } = await outcomeOf(env, wfe);
    expect(status.phase).toBe('Failed');
    expect(status.failureDetails).toMatchObject({
      reason: 'TaskFailed',
      failedStep: 'restart',
      exitCode: 3,
      wasExecutionFailure: true,
    });
    expect(status.failureDetails?.naturalLanguageSummary).toContain('restart');
    expect(pipelineRuns).toHaveLength(1);
    expect(records.restart).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(records.verify).toMatchObject({ status: 'skipped' });
  });

  it('reports an action killed for memory as OOMKilled', async () => {
    const wfe = await env.createWorkflowExecution({
      steps: [{ name: 'scale', inputs: { simulate: { outcome: 'oom' } } }],
    });
    expect(await env.run(wfe)).toMatchObject({ phase: 'Failed', reason: 'OOMKilled' });
    const { status, records } = await outcomeOf(env, wfe);
    expect(status.failureDetails).toMatchObject({ reason: 'OOMKilled', failedStep: 'scale', exitCode: 137 });
    expect(records.scale).toMatchObject({ status: 'failed', failureReason: 'OOMKilled' });
  });

  it('reports an image that cannot be pulled as ImagePullBackOff, not an execution failure', async () => {
    const wfe = await env.createWorkflowExecution({
      steps: [{ name: 'patch', inputs: { simulate: { outcome: 'imagepull' } } }],
    });
    expect(await env.run(wfe)).toMatchObject({ phase: 'Failed', reason: 'ImagePullBackOff' });
    const { status, records } = await outcomeOf(env, wfe);
    // The container never started: nothing in the cluster changed, so a retry is safe.
    expect(status.failureDetails).toMatchObject({ reason: 'ImagePullBackOff', wasExecutionFailure: false });
    expect(records.patch).toMatchObject({ status: 'failed', failureReason: 'ImagePullBackOff' });
  });

  it('rejects a spec that breaks the worker policy: Failed/ConfigurationError naming the field, no PipelineRun, no records', async () => {
    const wfe = await env.createWorkflowExecution({
      steps: [{ name: 'restart', image: 'docker.io/library/busybox:1.36' }],
    });
    const result = await env.run(wfe);
    expect(result).toMatchObject({ phase: 'Failed', reason: 'ConfigurationError' });
    expect(result.message).toContain('spec.steps[0].image');

    const { status, pipelineRuns, records } = await outcomeOf(env, wfe);
    expect(status.phase).toBe('Failed');
    expect(status.failureDetails).toMatchObject({ reason: 'ConfigurationError', wasExecutionFailure: false });
    expect(status.failureDetails?.message).toContain('spec.steps[0].image');
    expect(pipelineRuns).toHaveLength(0);
    expect(records).toEqual({});
  });

  it('refuses a PipelineRun of its name that another WorkflowExecution owns: Failed/ConfigurationError, nothing run', async () => {
    // Tekton does not act in this namespace: nothing but this test touches the other PipelineRun.
    const stalled = await createStalledNamespace(env.kc, `${env.namespace}-stalled`);
    const unserved = stalled.namespace;
    const wfe = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] }, unserved);
    const name = pipelineRunName(wfe);
    // A real owner: the garbage collector would delete a PipelineRun whose owner does not exist.
    const owner = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] }, unserved);
    const other = {
      apiVersion: 'kubernaut.ai/v1alpha1',
      kind: 'WorkflowExecution',
      name: owner.metadata.name,
      uid: owner.metadata.uid!,
    };
    await env.customObjects.createNamespacedCustomObject({
      ...PIPELINE_RUNS,
      namespace: unserved,
      body: {
        apiVersion: 'tekton.dev/v1',
        kind: 'PipelineRun',
        metadata: { name, namespace: unserved, ownerReferences: [{ ...other, controller: true }] },
        spec: { pipelineSpec: { tasks: [{ name: 'other', taskRef: { name: 'kubernaut-action' } }] } },
      },
    });

    const result = await env.run(wfe);
    expect(result).toMatchObject({ phase: 'Failed', reason: 'ConfigurationError' });
    expect(result.message).toContain(
      `PipelineRun ${unserved}/${name} already exists and belongs to WorkflowExecution ${other.name}`,
    );

    const { status, pipelineRuns, records } = await outcomeOf(env, wfe);
    expect(status.failureDetails).toMatchObject({ reason: 'ConfigurationError', wasExecutionFailure: false });
    expect(status.pipelineRunRef).toBeUndefined();
    expect(pipelineRuns).toHaveLength(0);
    expect(records).toEqual({ restart: expect.objectContaining({ status: 'skipped' }) });
    const kept = (await env.customObjects.getNamespacedCustomObject({
      ...PIPELINE_RUNS,
      namespace: unserved,
      name,
    })) as KubernetesObject;
    expect(kept.metadata.ownerReferences?.map((o) => o.uid)).toEqual([other.uid]);
    expect((await env.getWorkflowExecution(unserved, wfe.metadata.name))!.metadata.finalizers ?? []).toEqual([]);
    await stalled.remove();
  });
});
