/**
 * The waiting activity's heartbeats (issue #13): each is a Temporal write (a frontend call, a persistence
 * update, a billable action), so the first goes one heartbeat interval (a third of the heartbeat timeout) after
 * the wait began, not at its start — a PipelineRun done sooner costs none — and a longer wait keeps beating,
 * so it never times out while its worker lives. Counted by the dev server itself (its Prometheus metrics, in
 * this test's own Temporal namespace). Real Tekton, KWOK's pods.
 */
import { temporalRequests } from '../../bench/execution/temporal-requests';
import { workflowExecutionOutcome } from '../../src/temporal-client/workflow-execution-outcome';
import { createExecutionEnv, FAST_OPTIONS, type ExecutionEnv } from '../support/execution-env';
import { eventually, getStackInfo } from '../support/stack';

jest.setTimeout(180_000);

describe('heartbeats of the waiting activity', () => {
  let env: ExecutionEnv;

  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'heartbeats' });
  });
  afterAll(async () => {
    await env?.close();
  });

  /** What the namespace asked of Temporal's frontend so far, by operation. */
  const frontend = async () =>
    (await temporalRequests(getStackInfo().temporal.metricsUrl, env.temporalNamespace)).frontend;
  const count = (calls: Record<string, number>, operation: string) => calls[operation] ?? 0;
  /**
   * The frontend's counts once they include the wait's completion: the server exports its counters on an
   * interval, so they trail the calls; a heartbeat, made before the completion, is in by then too.
   */
  const afterCompletion = (before: Record<string, number>) =>
    eventually(
      "the wait's completion in the server's counters",
      async () => {
        const now = await frontend();
        const completed = count(now, 'RespondActivityTaskCompleted') - count(before, 'RespondActivityTaskCompleted');
        return completed >= 1 ? now : undefined;
      },
      30_000,
    );

  /** The attempts of the WFE's waiting activity, from its workflow history. */
  async function waitingAttempts(workflowId: string): Promise<number[]> {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((e) =>
      e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : [],
    );
  }

  it('sends none when the PipelineRun finishes within the first interval', async () => {
    // A 60 s heartbeat timeout: the first heartbeat would be due 20 s into the wait, far beyond this run.
    const wfe = await env.createWorkflowExecution({
      steps: [{ name: 'restart', inputs: { simulate: { durationMs: 50 } } }],
    });
    const before = await frontend();
    const handle = await env.start(wfe, { ...FAST_OPTIONS, heartbeatTimeoutMs: 60_000 });
    expect((await workflowExecutionOutcome(handle)).phase).toBe('Completed');
    const after = await afterCompletion(before);
    expect(count(after, 'RecordActivityTaskHeartbeat') - count(before, 'RecordActivityTaskHeartbeat')).toBe(0);
    expect(await waitingAttempts(handle.workflowId)).toEqual([1]);
  });

  it('keeps beating through a wait several heartbeat timeouts long, which never times out', async () => {
    // A 5 s heartbeat timeout (beats every 1.7 s) and a step of 12 s: without heartbeats the wait would time
    // out and be retried.
    const wfe = await env.createWorkflowExecution({
      steps: [{ name: 'restart', inputs: { simulate: { durationMs: 12_000 } } }],
    });
    const before = await frontend();
    const handle = await env.start(wfe, FAST_OPTIONS);
    expect((await workflowExecutionOutcome(handle)).phase).toBe('Completed');
    const after = await afterCompletion(before);
    expect(
      count(after, 'RecordActivityTaskHeartbeat') - count(before, 'RecordActivityTaskHeartbeat'),
    ).toBeGreaterThanOrEqual(2);
    expect(await waitingAttempts(handle.workflowId)).toEqual([1]);
  });
});
