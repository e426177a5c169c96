/**
 * `status.temporal` after the watcher starts a workflow (issue #13): the workflow's first status write names
 * the workflow, so the watcher waits KUBERNAUT_WATCHER_STATUS_DELAY_MS for it and writes the reference itself
 * only when it has not come — one WFE write fewer per start when workers keep up, and a WFE that still names
 * its workflow when none runs it. In-process watchers on the real stack; outcomes read off the watcher's
 * `kubernaut_watcher_started_status_total`.
 */
import { workflowExecutionWorkflowId } from '../../src/domain/names';
import type { KubernetesObject } from '../../src/kubernetes/resources';
import type { WatcherMetrics } from '../../src/watcher/metrics';
import { createExecutionEnv, type ExecutionEnv } from '../support/execution-env';
import { eventually } from '../support/stack';
import { allCompleted, startInProcessWatcher, type InProcessWatcher } from './support/watcher-env';

jest.setTimeout(180_000);

/** The watcher's count of each outcome of its status.temporal write. */
async function startedStatusOutcomes(metrics: WatcherMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.startedStatus.get();
  return Object.fromEntries(values.map((v) => [String(v.labels.outcome), v.value]));
}

const temporalOf = (wfe: KubernetesObject | undefined) =>
  (wfe?.status as { temporal?: { workflowId?: string; runId?: string } } | undefined)?.temporal;

describe('status.temporal after a start', () => {
  let env: ExecutionEnv;
  let watcher: InProcessWatcher | undefined;

  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'started-status' });
  });
  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
  });
  afterAll(async () => {
    await env?.close();
  });

  const workflowIdOf = (w: KubernetesObject) =>
    workflowExecutionWorkflowId({ namespace: env.namespace, name: w.metadata.name, uid: w.metadata.uid! });

  /**
   * A watcher with this delay on a task queue no worker polls (the workflow is started and never runs), and
   * one WFE for it to start; the workflow is terminated afterwards.
   */
  async function withUnpolledStart(
    startedStatusDelayMs: number,
    check: (wfe: KubernetesObject, workflowId: string, started: InProcessWatcher) => Promise<void>,
  ): Promise<void> {
    const started = await startInProcessWatcher(env, { taskQueue: `${env.taskQueue}-unpolled`, startedStatusDelayMs });
    watcher = started;
    const wfe = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] });
    const workflowId = workflowIdOf(wfe);
    try {
      await check(wfe, workflowId, started);
    } finally {
      await env.client.workflow
        .getHandle(workflowId)
        .terminate('test: never polled')
        .catch(() => undefined);
    }
  }

  it('is written by the watcher once the delay passed when no worker runs the workflow', async () => {
    await withUnpolledStart(1_000, async (wfe, workflowId, started) => {
      const temporal = await eventually(
        'the watcher to write status.temporal',
        async () => temporalOf(await env.getWorkflowExecution(env.namespace, wfe.metadata.name)),
        60_000,
      );
      const handle = env.client.workflow.getHandle(workflowId);
      expect(temporal).toEqual({
        namespace: env.temporalNamespace,
        workflowId,
        runId: (await handle.describe()).runId,
      });
      // Counted once the watcher has its own write's answer, which may come after our read.
      const counted = await eventually(
        'the watcher to count its write',
        async () => ((await startedStatusOutcomes(started.watcher.metrics)).written ? true : undefined),
        30_000,
      );
      expect([counted, await startedStatusOutcomes(started.watcher.metrics)]).toEqual([true, { written: 1 }]);
      // Nothing but the reference: the WFE was not run (no phase), and it is not started twice.
      const stored = await env.getWorkflowExecution(env.namespace, wfe.metadata.name);
      expect(Object.keys(stored?.status ?? {})).toEqual(['temporal']);
    });
  });

  it('is written at once, in the work item of the start, with a delay of 0 (as before the delay existed)', async () => {
    await withUnpolledStart(0, async (wfe, workflowId, started) => {
      await eventually(
        'the watcher to start the workflow',
        async () => started.logs.find((l) => l.msg === 'workflow started' && l.uid === wfe.metadata.uid),
        60_000,
      );
      // The start's work item ends with the write: once the queue is idle, the reference is stored.
      await started.watcher.idle();
      expect(temporalOf(await env.getWorkflowExecution(env.namespace, wfe.metadata.name))?.workflowId).toBe(workflowId);
      expect(await startedStatusOutcomes(started.watcher.metrics)).toEqual({ written: 1 });
    });
  });

  it('is left to the workflow when its first status comes within the delay: the watcher writes nothing', async () => {
    // A delay far longer than a begin step takes, even on a loaded machine.
    watcher = await startInProcessWatcher(env, { startedStatusDelayMs: 10_000 });
    const wfe = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] });
    await allCompleted(env, [wfe.metadata.name], 120_000);
    const outcomes = await eventually(
      'the delay to pass and the watcher to look',
      async () => {
        const counted = await startedStatusOutcomes(watcher!.watcher.metrics);
        return Object.keys(counted).length ? counted : undefined;
      },
      60_000,
    );
    expect(outcomes).toEqual({ 'reported-by-workflow': 1 });
    const stored = await env.getWorkflowExecution(env.namespace, wfe.metadata.name);
    expect(temporalOf(stored)?.workflowId).toBe(workflowIdOf(wfe));
  });
});
