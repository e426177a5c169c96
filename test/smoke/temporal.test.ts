import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../src/domain/names';
import { currentTestRun, findLeftoverWorkflows, terminateOpenWorkflows } from '../support/leftover-work';
import {
  createTemporalNamespace,
  eventually,
  getStackInfo,
  nativeConnection,
  temporalConnection,
  uniqueName,
} from '../support/stack';
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

  it('finds a workflow this run left open, as the global teardown does, until it is terminated', async () => {
    const run = currentTestRun();
    expect(run).toBeDefined();
    const namespace = await createTemporalNamespace(connection, 'leftover');
    const client = new Client({ connection, namespace });
    // Nobody polls this task queue: the workflow stays open, as work a test forgot would.
    await client.workflow.start(smokeWorkflow, {
      taskQueue: uniqueName('unpolled'),
      workflowId: 'left-open',
      args: ['x'],
    });
    const leftIn = async (ns: string) =>
      (
        await findLeftoverWorkflows(connection, run!, {
          defaultNamespace: getStackInfo().temporal.namespace,
          settleMs: 0,
        })
      )
        .filter((w) => w.namespace === ns)
        .map((w) => [w.type, w.workflowId]);

    expect(
      await eventually('the check to see it', async () =>
        (await leftIn(namespace)).length ? leftIn(namespace) : undefined,
      ),
    ).toEqual([['smokeWorkflow', 'left-open']]);
    expect((await terminateOpenWorkflows(client)).map((w) => w.workflowId)).toEqual(['left-open']);
    await eventually('the check to see it closed', async () => ((await leftIn(namespace)).length ? undefined : true));
  });

  it('serves the Web UI', async () => {
    const res = await fetch(getStackInfo().temporal.uiUrl);
    expect(res.status).toBe(200);
  });
});
