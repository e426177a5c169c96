/**
 * Upgrading workers while executions run: a run started by a worker of the first release (one activity per
 * step), still running when that worker stops and a worker of today's code takes over, finishes correctly
 * — today's worker replays its history, `patched()` finds no lean marker in it and keeps it on the first
 * release's path — with one PipelineRun and one `succeeded` record per step. New runs take the lean path.
 */
import { DefaultLogger, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { LEAN_EXECUTION_PATCH, RELEASE_2026_12_PATCH } from '../../src/workflows/workflow-execution';
import { createExecutionEnv, type ExecutionEnv } from '../support/execution-env';
import { eventually } from '../support/stack';
import { outcomeOf } from './support/assertions';

jest.setTimeout(180_000);

/** The activities a run scheduled (not local ones), and the patches it took (their markers' ids). */
async function historyOf(env: ExecutionEnv, workflowId: string) {
  const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const activities = (events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
  const patches = (events ?? []).flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : undefined;
    return data ? [(JSON.parse(Buffer.from(data).toString()) as { id: string }).id] : [];
  });
  return { activities, patches };
}

describe('upgrading the worker while a WorkflowExecution runs', () => {
  let env: ExecutionEnv;
  let firstRelease: WorkflowBundle;
  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'upgrade' });
    firstRelease = await bundleWorkflowCode({
      workflowsPath: require.resolve('./support/first-release-workflows'),
      logger: new DefaultLogger('WARN'),
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  it('finishes a run of the first release on the first release’s path, once, under today’s worker', async () => {
    await env.stopWorker();
    await env.startWorker({ workflowBundle: firstRelease });
    const wfe = await env.createWorkflowExecution({
      steps: [
        { name: 'restart', inputs: { simulate: { durationMs: 4_000 } } },
        { name: 'scale', runAfter: ['restart'] },
      ],
    });
    const handle = await env.start(wfe);
    await eventually('the first step to run under the old worker', async () => {
      const { status } = await outcomeOf(env, wfe);
      return status?.steps?.find((s) => s.name === 'restart')?.phase === 'Running' ? true : undefined;
    });

    await env.stopWorker(); // the old worker goes away mid-execution …
    await env.startWorker(); // … and today's takes over

    expect(await handle.result()).toMatchObject({ phase: 'Completed' });
    const { status, pipelineRuns, records } = await outcomeOf(env, wfe);
    expect(status.phase).toBe('Completed');
    expect(pipelineRuns).toHaveLength(1);
    expect(records).toEqual({
      restart: expect.objectContaining({ status: 'succeeded' }),
      scale: expect.objectContaining({ status: 'succeeded' }),
    });
    const history = await historyOf(env, handle.workflowId);
    expect(history.patches).not.toContain(LEAN_EXECUTION_PATCH);
    expect(history.patches).not.toContain(RELEASE_2026_12_PATCH);
    // The first release's shape to its end: one activity per step, its waits one change at a time.
    expect(history.activities).toEqual(
      expect.arrayContaining(['createPipelineRun', 'recordActions', 'awaitPipelineRunChange', 'completeActions']),
    );
  });

  it('runs a new WorkflowExecution on the lean path', async () => {
    const wfe = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] });
    const handle = await env.start(wfe);
    expect(await handle.result()).toMatchObject({ phase: 'Completed' });
    const history = await historyOf(env, handle.workflowId);
    expect(history.patches).toEqual([RELEASE_2026_12_PATCH]); // the lean path, as today's release takes it
    expect(history.activities).toEqual(['awaitPipelineRunOutcome']);
  });
});
