/**
 * How a WFE's end shows in Temporal (issue #15): a WFE that ends Failed fails its workflow, with its failure
 * reason as the failure type and its plain-language summary as the message, so the Web UI shows it red and
 * `ExecutionStatus = "Failed"` finds exactly the failed WFEs; one that completes completes it. The failed run
 * is never started again.
 */
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { startWorkflowExecution } from '../../src/temporal-client/start-workflow-execution';
import { workflowExecutionOutcome } from '../../src/temporal-client/workflow-execution-outcome';
import { createExecutionEnv, type ExecutionEnv } from '../support/execution-env';
import { eventually, getStackInfo } from '../support/stack';
import { outcomeOf } from './support/assertions';

jest.setTimeout(180_000);

describe('the workflow of a WFE ends the way the WFE ends', () => {
  let env: ExecutionEnv;
  beforeAll(async () => {
    env = await createExecutionEnv({
      prefix: 'outcome',
      policy: { allowedRegistries: [getStackInfo().registry.address] },
    });
  });
  afterAll(async () => {
    await env?.close();
  });

  /** The WFE workflows (not their targets' lock workflows) the query finds in this test's Temporal namespace. */
  async function listIds(query: string): Promise<string[]> {
    const ids: string[] = [];
    const wfes = `WorkflowType = "workflowExecutionWorkflow" AND ${query}`;
    for await (const w of env.client.workflow.list({ query: wfes })) ids.push(w.workflowId);
    return ids.sort();
  }

  it('fails the workflow of a Failed WFE (type = reason, message = summary, non-retryable) after writing its outcome; completes the others', async () => {
    const succeeded = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] });
    const stepFailed = await env.createWorkflowExecution({
      steps: [{ name: 'restart', inputs: { simulate: { outcome: 'fail', exitCode: 3 } } }],
    });
    const invalid = await env.createWorkflowExecution({
      steps: [{ name: 'restart', image: 'docker.io/library/busybox:1.36' }],
    });
    const handles = await Promise.all([succeeded, stepFailed, invalid].map((wfe) => env.start(wfe)));

    expect(await handles[0].result()).toMatchObject({ phase: 'Completed' });
    for (const [handle, reason] of [
      [handles[1], 'TaskFailed'],
      [handles[2], 'ConfigurationError'],
    ] as const) {
      const err: unknown = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      const failure = cause as ApplicationFailure;
      expect(failure.type).toBe(reason);
      expect(failure.nonRetryable).toBe(true);
      // Callers get the same result as before the run failed its workflow.
      const result = await workflowExecutionOutcome(handle);
      expect(result).toMatchObject({ phase: 'Failed', reason });
      expect(failure.message).toBe(result.status!.failureDetails!.naturalLanguageSummary);
      expect((await handle.describe()).status.name).toBe('FAILED');
    }

    // Everything the run owed was written before it failed its workflow.
    const failed = await outcomeOf(env, stepFailed);
    expect(failed.status.phase).toBe('Failed');
    expect(failed.records.restart).toMatchObject({ status: 'failed', exitCode: 3 });
    const stored = await env.getWorkflowExecution(env.namespace, stepFailed.metadata.name);
    expect(stored!.metadata.finalizers ?? []).toEqual([]);
    const rejected = await outcomeOf(env, invalid);
    expect(rejected.status.failureDetails?.reason).toBe('ConfigurationError');
    expect(rejected.records).toEqual({});

    // The Web UI's query finds exactly the failed WFEs of this namespace's run, and the completed one apart.
    const ids = (...wfes: typeof handles) => wfes.map((h) => h.workflowId).sort();
    await eventually('visibility to list the failed runs', async () => {
      const found = await listIds('ExecutionStatus = "Failed"');
      return found.length === 2 ? found : undefined;
    });
    expect(await listIds('ExecutionStatus = "Failed"')).toEqual(ids(handles[1], handles[2]));
    expect(await listIds('ExecutionStatus = "Completed"')).toEqual(ids(handles[0]));

    // A failed run is never started again: a second start (a watcher's resync) is refused, one run per id.
    for (const wfe of [stepFailed, invalid]) {
      const again = await startWorkflowExecution(env.client, wfe, { taskQueue: env.taskQueue });
      expect(again.outcome).toBe('already-finished');
    }
    for (const handle of handles.slice(1)) {
      expect(await listIds(`WorkflowId = "${handle.workflowId}"`)).toEqual([handle.workflowId]);
    }
  });
});
