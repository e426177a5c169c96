/**
 * The per-target lock (issue #12) across the faults a deployment sees: the worker process SIGKILLed and the
 * Temporal server restarted while WorkflowExecutions wait for their target. The lock lives in Temporal's
 * history like the executions themselves, so afterwards every one completes, once, and never two at a time.
 */
import { Client, Connection } from '@temporalio/client';
import type { KubernetesObject } from '../../src/kubernetes/resources';
import { eventually, uniqueName } from '../support/stack';
import { createDedicatedTemporal, type DedicatedTemporal } from './support/dedicated-temporal';
import { createDurabilityEnv, slowDag, type DurabilityEnv } from './support/durability-env';

jest.setTimeout(300_000);

const CLOSE_DEADLINE_MS = 180_000;

describe('per-target lock durability', () => {
  let env: DurabilityEnv;
  let temporal: DedicatedTemporal;
  let connection: Connection;

  beforeAll(async () => {
    env = await createDurabilityEnv('lock-durable');
    temporal = await createDedicatedTemporal();
    await temporal.start();
    connection = await Connection.connect({ address: temporal.address });
  });
  afterAll(async () => {
    await env?.close();
    await connection?.close();
    await temporal?.destroy();
  });

  it('completes a holder and three waiters on one target, serially and once, across a worker SIGKILL and a Temporal restart', async () => {
    const client = new Client({ connection, namespace: 'default' });
    const taskQueue = uniqueName('lock-durable-tq');
    const settings = { temporalAddress: temporal.address, temporalNamespace: 'default', taskQueue };
    const first = env.startWorker(settings);
    await first.running;

    const target = `${env.namespace}/Deployment/durable-lock`;
    const holder = await env.createWorkflowExecution(slowDag(4_000), { target });
    const handles = [await env.start(client, holder, taskQueue)];
    await env.waitForStepRunning(holder, 'restart-pods');
    const waiters: KubernetesObject[] = [];
    for (let i = 0; i < 3; i++) {
      const wfe = await env.createWorkflowExecution([{ name: 'scale', actionType: 'kubernetes/scale_deployment' }], {
        target,
      });
      waiters.push(wfe);
      handles.push(await env.start(client, wfe, taskQueue));
    }
    await eventually(
      'the three to wait for the target, at positions 1 to 3',
      async () => {
        const positions = await Promise.all(waiters.map(async (w) => (await env.status(w))?.targetLock?.position));
        return [...positions].sort().join(',') === '1,2,3' ? true : undefined;
      },
      120_000,
    );

    await first.stop('SIGKILL');
    await temporal.stop('SIGKILL');
    await temporal.start();
    const second = env.startWorker(settings);
    await second.running;

    for (const handle of handles) expect(await env.waitForWorkflowClosed(handle, CLOSE_DEADLINE_MS)).toBe('COMPLETED');
    const all = [holder, ...waiters];
    for (const wfe of all) await env.expectCompletedOnce(wfe);
    const runs = await Promise.all(
      all.map(async (wfe) => {
        const status = await env.status(wfe);
        return { start: Date.parse(status!.startTime!), end: Date.parse(status!.completionTime!) };
      }),
    );
    runs.sort((a, b) => a.start - b.start);
    for (let i = 1; i < runs.length; i++) expect(runs[i].start).toBeGreaterThanOrEqual(runs[i - 1].end);
    expect(second.alive()).toBe(true);
  });
});
