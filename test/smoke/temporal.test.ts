import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../src/domain/names';
import { getStackInfo, nativeConnection, temporalConnection, uniqueName } from '../support/stack';
import { smokeWorkflow } from './smoke-workflows';

describe('local stack: Temporal dev server', () => {
  let connection: Connection;
  let workerConnection: NativeConnection;

  beforeAll(async () => {
    connection = await temporalConnection();
    workerConnection = await nativeConnection();
  });
  afterAll(async () => {
    await connection?.close();
    await workerConnection?.close();
  });

  it('runs a workflow with an activity to completion', async () => {
    const taskQueue = uniqueName('smoke');
    const worker = await Worker.create({
      connection: workerConnection,
      namespace: getStackInfo().temporal.namespace,
      taskQueue,
      workflowsPath: require.resolve('./smoke-workflows'),
      activities: { greet: async (name: string) => `hello ${name}` },
    });
    const client = new Client({ connection, namespace: getStackInfo().temporal.namespace });
    const result = await worker.runUntil(
      client.workflow.execute(smokeWorkflow, { taskQueue, workflowId: uniqueName('smoke'), args: ['stack'] }),
    );
    expect(result).toBe('hello stack (from a workflow)');
  });

  it("has the project's custom search attributes registered", async () => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace: getStackInfo().temporal.namespace,
    });
    for (const attribute of Object.values(SEARCH_ATTRIBUTES)) {
      expect(Object.keys(customAttributes ?? {})).toContain(attribute.name);
    }
  });

  it('serves the Web UI', async () => {
    const res = await fetch(getStackInfo().temporal.uiUrl);
    expect(res.status).toBe(200);
  });
});
