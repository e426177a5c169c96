/**
 * SIGTERM (what Kubernetes sends a terminating pod) makes the worker process drain and exit by itself within
 * its shutdown grace, without waiting for running WorkflowExecutions to finish; another worker then finishes them.
 */
import { Client, type Connection } from '@temporalio/client';
import { createTemporalNamespace, getStackInfo, temporalConnection, uniqueName } from '../support/stack';
import { createDurabilityEnv, slowDag, type DurabilityEnv } from './support/durability-env';
import { terminateOpenWorkflows } from '../support/leftover-work';

jest.setTimeout(300_000);

describe('worker process shutdown', () => {
  let env: DurabilityEnv;
  let connection: Connection;
  let client: Client | undefined;
  beforeAll(async () => {
    env = await createDurabilityEnv('sigterm');
    connection = await temporalConnection();
  });
  afterAll(async () => {
    await env?.stopProcesses();
    if (client) await terminateOpenWorkflows(client);
    await env?.close();
    await connection?.close();
  });

  it('drains on SIGTERM and exits cleanly while an execution runs; a new worker finishes the execution', async () => {
    const namespace = await createTemporalNamespace(connection, 'sigterm');
    client = new Client({ connection, namespace });
    const settings = { temporalAddress: getStackInfo().temporal.address, temporalNamespace: namespace };
    const taskQueue = uniqueName('sigterm-tq');
    const first = env.startWorker({ ...settings, taskQueue });
    await first.running;

    // The first step outlasts the worker's 2 s shutdown grace by far.
    const wfe = await env.createWorkflowExecution(slowDag(15_000));
    const handle = await env.start(client, wfe, taskQueue);
    await env.waitForStepRunning(wfe, 'restart-pods');

    await first.stop('SIGTERM');
    const exit = await first.exited;
    expect(exit).toEqual({ code: 0, signal: null }); // it exited by itself, it was not killed
    expect(first.output()).toContain('worker stopped');
    expect((await env.status(wfe))?.phase).toBe('Running'); // it did not wait for the execution

    const second = env.startWorker({ ...settings, taskQueue });
    await second.running;
    expect(await env.waitForWorkflowClosed(handle, 180_000)).toBe('COMPLETED');
    await env.expectCompletedOnce(wfe);
  });
});
