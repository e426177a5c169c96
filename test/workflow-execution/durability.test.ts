/**
 * Durability of workflowExecutionWorkflow against the faults a real deployment sees: the worker process
 * killed, the Temporal server restarted or unreachable when the worker starts, PostgreSQL unreachable. Each fault hits a WorkflowExecution while
 * it runs; once the fault is over the execution must complete with exactly one PipelineRun and exactly one
 * `succeeded` action record per step (no duplicate, no lost record). The worker is the real worker PROCESS.
 */
import { Client, Connection } from '@temporalio/client';
import type { KubernetesObject } from '../../src/kubernetes/resources';
import { createTemporalNamespace, eventually, getStackInfo, temporalConnection, uniqueName } from '../support/stack';
import { freePort } from '../../src/stack/free-port';
import { createDedicatedTemporal, type DedicatedTemporal } from './support/dedicated-temporal';
import { createDurabilityEnv, highestActivityAttempt, slowDag, type DurabilityEnv } from './support/durability-env';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { terminateOpenWorkflows } from '../support/leftover-work';

// Two cores shared with other test files: worker processes bundle workflow code at start (seconds each).
jest.setTimeout(300_000);

const CLOSE_DEADLINE_MS = 180_000;

describe('workflowExecutionWorkflow durability', () => {
  let env: DurabilityEnv;
  let stackConnection: Connection;
  /** Undone after each test, whether it passed or not. */
  let cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    env = await createDurabilityEnv('durable');
    stackConnection = await temporalConnection();
  });
  afterEach(async () => {
    await env.stopProcesses();
    for (const undo of cleanups.reverse()) await undo().catch(() => undefined);
    cleanups = [];
  });
  afterAll(async () => {
    await env?.close();
    await stackConnection?.close();
  });

  /** A Temporal namespace of its own on the stack's server (the effectiveness monitor's id is fixed). */
  async function stackTemporal(prefix: string) {
    const namespace = await createTemporalNamespace(stackConnection, prefix);
    const client = new Client({ connection: stackConnection, namespace });
    cleanups.push(async () => void (await terminateOpenWorkflows(client)));
    return {
      client,
      settings: { temporalAddress: getStackInfo().temporal.address, temporalNamespace: namespace },
    };
  }

  it('completes a WorkflowExecution whose worker process was SIGKILLed during a slow step', async () => {
    const { client, settings } = await stackTemporal('durable-kill');
    const taskQueue = uniqueName('durable-kill-tq');
    const first = env.startWorker({ ...settings, taskQueue });
    await first.running;

    const wfe = await env.createWorkflowExecution(slowDag(4_000));
    const handle = await env.start(client, wfe, taskQueue);
    await env.waitForStepRunning(wfe, 'restart-pods');

    await first.stop('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect((await env.status(wfe))?.phase).toBe('Running'); // the kill hit the execution mid-run

    const second = env.startWorker({ ...settings, taskQueue });
    await second.running;
    expect(await env.waitForWorkflowClosed(handle, CLOSE_DEADLINE_MS)).toBe('COMPLETED');
    expect((await handle.result()).phase).toBe('Completed');
    await env.expectCompletedOnce(wfe);
  });

  it('completes a WorkflowExecution across a restart of the Temporal server (persistent db)', async () => {
    const temporal: DedicatedTemporal = await createDedicatedTemporal();
    cleanups.push(() => temporal.destroy());
    await temporal.start();
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const taskQueue = uniqueName('durable-restart-tq');
    const worker = env.startWorker({ temporalAddress: temporal.address, temporalNamespace: 'default', taskQueue });
    await worker.running;

    const wfe = await env.createWorkflowExecution(slowDag(4_000));
    const handle = await env.start(client, wfe, taskQueue);
    await env.waitForStepRunning(wfe, 'restart-pods');

    const killedPid = temporal.pid();
    await temporal.stop('SIGKILL');
    expect((await env.status(wfe))?.phase).toBe('Running');
    await temporal.start();
    expect(temporal.pid()).not.toBe(killedPid);

    expect(await env.waitForWorkflowClosed(handle, CLOSE_DEADLINE_MS)).toBe('COMPLETED');
    expect((await handle.result()).phase).toBe('Completed');
    await env.expectCompletedOnce(wfe);
    expect(worker.alive()).toBe(true); // the same worker process rode out the restart
  });

  it('waits for Temporal when it is unreachable at start-up: not ready meanwhile, then polls as soon as it answers', async () => {
    const { client, settings } = await stackTemporal('durable-late');
    const [host, port] = getStackInfo().temporal.address.split(':');
    const proxy: TcpProxy = await startTcpProxy({ host, port: Number(port) });
    cleanups.push(() => proxy.close());
    await proxy.cut(); // connections to the proxy's port are refused: Temporal is "down" before the worker starts
    const httpPort = await freePort();
    const readyz = async () => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      return { status: res.status, body: await res.text() };
    };
    const taskQueue = uniqueName('durable-late-tq');
    const worker = env.startWorker({
      ...settings,
      temporalAddress: `127.0.0.1:${proxy.port}`,
      taskQueue,
      env: { KUBERNAUT_HTTP_PORT: String(httpPort), KUBERNAUT_TEMPORAL_RETRY_MAX_MS: '1000' },
    });

    // It keeps retrying instead of exiting (a crash loop in Kubernetes), and says why it is not ready.
    const waiting = await eventually(
      'three failed attempts to reach Temporal, or the worker exiting',
      () => (!worker.alive() ? 'exited' : /"attempt":3\b/.test(worker.output()) ? 'retrying' : undefined),
      60_000,
      200,
    );
    expect({ waiting, output: waiting === 'exited' ? worker.output() : '' }).toEqual({
      waiting: 'retrying',
      output: '',
    });
    expect((await fetch(`http://127.0.0.1:${httpPort}/healthz`)).status).toBe(200);
    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    expect(notReady.body).toContain(`Temporal at 127.0.0.1:${proxy.port}`);
    expect(notReady.body).toContain('not reachable');

    await proxy.restore();
    await worker.running; // the SDK reports it polling
    await eventually('/readyz to turn 200', async () => ((await readyz()).status === 200 ? true : undefined), 30_000);
    const wfe = await env.createWorkflowExecution(slowDag(0));
    const handle = await env.start(client, wfe, taskQueue);
    expect(await env.waitForWorkflowClosed(handle, CLOSE_DEADLINE_MS)).toBe('COMPLETED');
    await env.expectCompletedOnce(wfe);
    expect(worker.alive()).toBe(true);
  });

  it('completes WorkflowExecutions while PostgreSQL is unreachable for 20 s, without duplicate records', async () => {
    const { client, settings } = await stackTemporal('durable-pg');
    const postgres = new URL(getStackInfo().postgres.url);
    const proxy: TcpProxy = await startTcpProxy({ host: postgres.hostname, port: Number(postgres.port || 5432) });
    cleanups.push(() => proxy.close());
    const viaProxy = new URL(env.db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    const taskQueue = uniqueName('durable-pg-tq');
    const worker = env.startWorker({ ...settings, taskQueue, databaseUrl: viaProxy.toString() });
    await worker.running;

    // `early` has written its records; its PipelineRun finishes during the outage, so completing them must wait.
    const early = await env.createWorkflowExecution(slowDag(2_000));
    const earlyHandle = await env.start(client, early, taskQueue);
    await waitForRecords(early, 3);
    expect(proxy.accepted).toBeGreaterThan(0);

    await proxy.cut();
    // `late` starts during the outage: recording its actions must wait.
    const late = await env.createWorkflowExecution(slowDag(500));
    const lateHandle = await env.start(client, late, taskQueue);
    await new Promise((resolve) => setTimeout(resolve, 20_000)); // the outage itself, not a synchronisation
    await proxy.restore();

    for (const [wfe, handle] of [
      [early, earlyHandle],
      [late, lateHandle],
    ] as const) {
      expect(await env.waitForWorkflowClosed(handle, CLOSE_DEADLINE_MS)).toBe('COMPLETED');
      expect((await handle.result()).phase).toBe('Completed');
      await env.expectCompletedOnce(wfe);
    }
    // The outage really hit both writes: each needed more than one attempt (of the activity, or of the
    // batched local activity that makes the write in lean runs).
    expect(await highestActivityAttempt(earlyHandle, ['completeActions', 'finishExecution'])).toBeGreaterThan(1);
    expect(await highestActivityAttempt(lateHandle, ['recordActions', 'beginExecution'])).toBeGreaterThan(1);
    // The outage outlasted the begin step's local attempts (about 7 s): it went on as a regular activity, which
    // the server retried without the history growing (a local activity retrying keeps its workflow task alive:
    // three events every 8 s).
    const lateEvents = (await lateHandle.fetchHistory()).events ?? [];
    const scheduled = lateEvents.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
    expect(scheduled).toContain('beginExecution');
  });

  async function waitForRecords(wfe: KubernetesObject, count: number): Promise<void> {
    await eventually(
      `${count} action records of ${wfe.metadata.name}`,
      async () =>
        (await env.dataStorage.getWorkflowExecutionActions(wfe.metadata.uid!)).length === count ? true : undefined,
      90_000,
    );
  }
});
