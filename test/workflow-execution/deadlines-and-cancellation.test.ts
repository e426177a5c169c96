import { WorkflowFailedError } from '@temporalio/client';
import { PIPELINE_RUNS } from '../../src/kubernetes/resources';
import { workflowExecutionOutcome } from '../../src/temporal-client/workflow-execution-outcome';
import { eventually } from '../support/stack';
import { FAST_OPTIONS, createExecutionEnv, type ExecutionEnv } from '../support/execution-env';
import { outcomeOf } from './support/assertions';
import { createStalledNamespace } from './support/stalled-tekton';

jest.setTimeout(120_000);

const hang = { simulate: { outcome: 'hang' } };

describe('workflowExecutionWorkflow: timeouts, deletion and cancellation', () => {
  let env: ExecutionEnv;
  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'stop' });
  });
  afterAll(async () => {
    await env?.close();
  });

  async function runningPipelineRun(wfeUid: string, namespace = env.namespace) {
    return eventually('a running PipelineRun', async () => {
      const pr = (await env.listPipelineRuns(namespace)).find((p) =>
        p.metadata.ownerReferences?.some((o) => o.uid === wfeUid),
      );
      const conditions = (pr?.status?.conditions ?? []) as { type: string; status: string }[];
      return conditions.some((c) => c.type === 'Succeeded' && c.status === 'Unknown') ? pr : undefined;
    });
  }

  it("maps Tekton's own pipeline timeout to DeadlineExceeded", async () => {
    const wfe = await env.createWorkflowExecution({ timeout: '3s', steps: [{ name: 'drain', inputs: hang }] });
    // A long grace: only Tekton's timeout can end this run.
    const result = await env.run(wfe, { ...FAST_OPTIONS, deadlineGraceMs: 60_000 });
    expect(result).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });
    const { pipelineRuns, records } = await outcomeOf(env, wfe);
    expect((pipelineRuns[0]!.status!.conditions as { reason: string }[])[0]!.reason).toBe('PipelineRunTimeout');
    expect(records.drain?.status).toMatch(/^(failed|cancelled)$/);
  });

  it('enforces the WorkflowExecution timeout itself when Tekton never reports, and cancels the PipelineRun', async () => {
    // Tekton can neither start this namespace's PipelineRuns nor write their status: it never reports.
    const stalled = await createStalledNamespace(env.kc, `${env.namespace}-stalled`);
    const wfe = await env.createWorkflowExecution(
      { timeout: '2s', steps: [{ name: 'restart', inputs: hang }] },
      stalled.namespace,
    );
    const result = await env.run(wfe, { ...FAST_OPTIONS, deadlineGraceMs: 500, cancellationWaitMs: 1_000 });
    await stalled.remove();
    expect(result).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded' });

    const { status, pipelineRuns, records } = await outcomeOf(env, wfe);
    expect(status.failureDetails?.reason).toBe('DeadlineExceeded');
    expect(pipelineRuns).toHaveLength(1);
    expect(pipelineRuns[0]!.spec!.status).toBe('Cancelled');
    expect(records.restart?.status).toMatch(/^(skipped|cancelled)$/);
  });

  it('fails with PipelineRunDeleted when the PipelineRun is deleted under it', async () => {
    const wfe = await env.createWorkflowExecution({ steps: [{ name: 'restart', inputs: hang }] });
    const handle = await env.start(wfe);
    const pr = await runningPipelineRun(wfe.metadata.uid!);
    await env.customObjects.deleteNamespacedCustomObject({
      ...PIPELINE_RUNS,
      namespace: env.namespace,
      name: pr.metadata.name,
    });

    expect(await workflowExecutionOutcome(handle)).toMatchObject({ phase: 'Failed', reason: 'PipelineRunDeleted' });
    const { status, records } = await outcomeOf(env, wfe);
    expect(status.failureDetails?.reason).toBe('PipelineRunDeleted');
    expect(records.restart?.status).toBe('cancelled');
  });

  it('cancels the PipelineRun and marks the records cancelled when the workflow is cancelled', async () => {
    const wfe = await env.createWorkflowExecution({
      steps: [{ name: 'restart' }, { name: 'drain', runAfter: ['restart'], inputs: hang }],
    });
    const handle = await env.start(wfe);
    const pr = await runningPipelineRun(wfe.metadata.uid!);
    await eventually('restart to have succeeded', async () => {
      const { status } = await outcomeOf(env, wfe);
      return status.steps?.find((s) => s.name === 'drain')?.phase === 'Running' ? true : undefined;
    });

    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);

    const { status, pipelineRuns, records } = await outcomeOf(env, wfe);
    expect(pipelineRuns.map((p) => p.metadata.name)).toEqual([pr.metadata.name]);
    expect(pipelineRuns[0]!.spec!.status).toBe('Cancelled');
    expect(status.phase).toBe('Failed');
    expect(status.failureDetails?.reason).toBe('Cancelled');
    expect(records).toEqual({
      restart: expect.objectContaining({ status: 'succeeded' }),
      drain: expect.objectContaining({ status: 'cancelled' }),
    });
    const stored = await env.getWorkflowExecution(env.namespace, wfe.metadata.name);
    expect(stored!.metadata.finalizers ?? []).not.toContain('kubernaut.ai/execution');
  });
});
