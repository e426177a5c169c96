/**
 * The watcher's reliability promises on the real stack, with in-process watchers:
 * - two replicas at once, without any coordination, start each WorkflowExecution's workflow exactly once;
 * - the API server unreachable for ~15 s (a TCP proxy in front of the stack's API server is cut: the
 *   stack's etcd is shared with other test files, so it is not stopped): the watcher recovers by itself,
 *   starts what was created meanwhile, and nothing is lost or run twice;
 * - Temporal unreachable (a TCP proxy in front of it, cut): starts are retried, not dropped;
 * - a full work queue refuses events, and the next relist offers them again.
 */
import { Client, Connection } from '@temporalio/client';
import { workflowExecutionWorkflowId } from '../../src/domain/names';
import type { KubernetesObject } from '../../src/kubernetes/resources';
import { eventually, getStackInfo } from '../support/stack';
import { createExecutionEnv, type ExecutionEnv } from '../support/execution-env';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import {
  allCompleted,
  apiServerPort,
  expectOneRunAndOnePipelineRunEach,
  kubeConfigThrough,
  startInProcessWatcher,
  type InProcessWatcher,
} from './support/watcher-env';

jest.setTimeout(420_000);

const OUTAGE_MS = 15_000;

describe('watcher replicas and outages', () => {
  let env: ExecutionEnv;
  /** Every WFE this file created: the namespace's workflows must be exactly theirs. */
  const created: KubernetesObject[] = [];
  let cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'watch-replicas' });
  });
  afterEach(async () => {
    for (const undo of cleanups.reverse()) await undo().catch(() => undefined);
    cleanups = [];
  });
  afterAll(async () => {
    await env?.close();
  });

  const workflowIdOf = (w: KubernetesObject) =>
    workflowExecutionWorkflowId({ namespace: env.namespace, name: w.metadata.name, uid: w.metadata.uid! });

  async function create(count: number, durationMs?: number): Promise<KubernetesObject[]> {
    const batch: KubernetesObject[] = [];
    for (let i = 0; i < count; i += 10) {
      const some = await Promise.all(
        Array.from({ length: Math.min(10, count - i) }, () =>
          env.createWorkflowExecution({
            steps: [{ name: 'restart', ...(durationMs && { inputs: { simulate: { durationMs } } }) }],
          }),
        ),
      );
      batch.push(...some);
    }
    created.push(...batch);
    return batch;
  }

  /** Exactly one workflow run per WFE created in this file, and no other; one PipelineRun per WFE. */
  async function expectExactlyOnce(wfes: KubernetesObject[]): Promise<void> {
    await expectOneRunAndOnePipelineRunEach(env, created.map(workflowIdOf), wfes);
  }

  it('starts each of 50 WorkflowExecutions exactly once with two watcher replicas running at once', async () => {
    const replicas = [await startInProcessWatcher(env), await startInProcessWatcher(env)];
    cleanups.push(...replicas.map((r) => () => r.stop()));

    const wfes = await create(50);
    await allCompleted(
      env,
      wfes.map((w) => w.metadata.name),
      300_000,
    );
    await expectExactlyOnce(wfes);

    // Both replicas saw every WFE; between them they started each one, and not one more.
    const startedBy = (r: InProcessWatcher) =>
      new Set(r.logs.filter((l) => l.msg === 'workflow started').map((l) => l.uid as string));
    const union = new Set([...startedBy(replicas[0]!), ...startedBy(replicas[1]!)]);
    expect(union).toEqual(new Set(wfes.map((w) => w.metadata.uid)));
  });

  it('recovers by itself from the API server being unreachable for ~15 s, losing and repeating nothing', async () => {
    const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: apiServerPort() });
    cleanups.push(() => proxy.close());
    const watcher = await startInProcessWatcher(env, { kubeConfig: kubeConfigThrough(proxy.port).kc });
    cleanups.push(() => watcher.stop());

    // Running when the API server goes away: they finish during the outage, unseen by the watcher.
    const before = await create(5, 5_000);
    await eventually(
      'the first five to be started',
      async () => {
        const started = await Promise.all(before.map((w) => env.getWorkflowExecution(env.namespace, w.metadata.name)));
        return started.every((w) => (w?.status as { temporal?: unknown } | undefined)?.temporal) ? true : undefined;
      },
      120_000,
    );
    const restartsBefore = watcher.watcher.stats().informers.reduce((n, i) => n + i.watchRestarts, 0);

    await proxy.cut();
    const cutAt = Date.now();
    const during = await create(5);
    // The first five finish while the watcher cannot see the API server.
    await allCompleted(
      env,
      before.map((w) => w.metadata.name),
      120_000,
    );
    // The rest of the outage (the fault's duration, not a synchronisation).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, cutAt + OUTAGE_MS - Date.now())));
    // Blind meanwhile: nothing created during the outage was started.
    for (const w of during) {
      expect((await env.getWorkflowExecution(env.namespace, w.metadata.name))?.status).toBeUndefined();
    }
    await proxy.restore();

    await allCompleted(
      env,
      [...before, ...during].map((w) => w.metadata.name),
      240_000,
    );
    await expectExactlyOnce([...before, ...during]);
    const restartsAfter = watcher.watcher.stats().informers.reduce((n, i) => n + i.watchRestarts, 0);
    expect(restartsAfter).toBeGreaterThan(restartsBefore);
    // Each was started once by this watcher: the ones that finished while it was blind were not started again.
    const started = watcher.logs.filter((l) => l.msg === 'workflow started').map((l) => l.uid);
    for (const w of [...before, ...during]) {
      expect([w.metadata.name, started.filter((uid) => uid === w.metadata.uid).length]).toEqual([w.metadata.name, 1]);
    }
  });

  it('retries starts while Temporal is unreachable and drops none', async () => {
    const [host, port] = getStackInfo().temporal.address.split(':');
    const proxy = await startTcpProxy({ host: host!, port: Number(port) });
    cleanups.push(() => proxy.close());
    const connection = Connection.lazy({ address: `127.0.0.1:${proxy.port}` });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: env.temporalNamespace });
    const watcher = await startInProcessWatcher(env, { client });
    cleanups.push(() => watcher.stop());

    await proxy.cut();
    const wfes = await create(5);
    await eventually(
      'the watcher to fail and schedule retries',
      () => (watcher.logs.filter((l) => l.msg === 'action failed: will retry').length >= 5 ? true : undefined),
      120_000,
    );
    await proxy.restore();

    await allCompleted(
      env,
      wfes.map((w) => w.metadata.name),
      240_000,
    );
    await expectExactlyOnce(wfes);
  });

  it('recovers the events a full queue refused at the next relist', async () => {
    const watcher = await startInProcessWatcher(env, { queueCapacity: 1, concurrency: 1, resyncIntervalMs: 2_000 });
    cleanups.push(() => watcher.stop());

    const wfes = await create(10);
    await allCompleted(
      env,
      wfes.map((w) => w.metadata.name),
      240_000,
    );
    await expectExactlyOnce(wfes);
    const refused = (await watcher.watcher.metrics.refused.get()).values.reduce((n, v) => n + v.value, 0);
    expect(refused).toBeGreaterThan(0);
  });
});
