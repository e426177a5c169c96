/**
 * The worker process's operational endpoints (issue #15): `/healthz` from the start, `/readyz` that says
 * why it is not ready until it polls Temporal with its caches synced, and `/metrics` counting every way a
 * WorkflowExecution ends — Completed, a failed step, a spec rejected by validation, a deadline, a deletion
 * while it runs and one before its run began — once each.
 */
import { WORKFLOW_EXECUTIONS } from '../../src/kubernetes/resources';
import { createExecutionEnv, FAST_OPTIONS, type ExecutionEnv } from '../support/execution-env';
import { eventually } from '../support/stack';
import { freePort } from '../../src/stack/free-port';
import {
  executionEnvWorker,
  startWorkerProcess,
  type WorkerProcess,
} from '../workflow-execution/support/worker-process';

jest.setTimeout(300_000);

const hang = { simulate: { outcome: 'hang' } };

describe('the worker process: /healthz, /readyz, /metrics', () => {
  let env: ExecutionEnv;
  let worker: WorkerProcess | undefined;
  let port: number;

  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'wproc' });
    await env.stopWorker(); // the worker process below serves the environment's task queue
  });
  afterAll(async () => {
    await worker?.stop('SIGTERM');
    await env?.close();
  });

  /** The worker process on the environment's queue, database and namespace, as deployed (digest, registry). */
  const startWorker = (extra: Record<string, string>) => startWorkerProcess({ ...executionEnvWorker(env), ...extra });
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  };
  /** The value of `kubernaut_workflow_executions_total{outcome="…"}`, 0 when absent. */
  const executions = async (outcome: string) => {
    const line = (await get('/metrics')).body
      .split('\n')
      .find((l) => l.startsWith(`kubernaut_workflow_executions_total{outcome="${outcome}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  };

  it('answers /healthz at once, and /readyz with the reason until it polls Temporal', async () => {
    port = await freePort();
    // Temporal unreachable first: alive, not ready, saying why.
    const unreachable = startWorker({
      KUBERNAUT_HTTP_PORT: String(port),
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    });
    try {
      await eventually('/healthz to answer', async () =>
        (await get('/healthz').catch(() => undefined))?.status === 200 ? true : undefined,
      );
      const ready = await eventually('/readyz to say why it is not ready', async () => {
        const r = await get('/readyz');
        return /Temporal at .* not reachable/.test(r.body) ? r : undefined;
      });
      expect(ready.status).toBe(503);
    } finally {
      await unreachable.stop('SIGTERM');
      expect(await unreachable.exited).toEqual({ code: 0, signal: null });
    }

    port = await freePort();
    worker = startWorker({ KUBERNAUT_HTTP_PORT: String(port) });
    await worker.running;
    const ready = await eventually('/readyz to be ready', async () => {
      const r = await get('/readyz');
      return r.status === 200 ? r : undefined;
    });
    expect(ready.body).toBe('ok\n');
  });

  it('counts every outcome once in kubernaut_workflow_executions_total, including ConfigurationError and cancellation', async () => {
    const before = {
      Completed: await executions('Completed'),
      TaskFailed: await executions('TaskFailed'),
      ConfigurationError: await executions('ConfigurationError'),
      DeadlineExceeded: await executions('DeadlineExceeded'),
      Cancelled: await executions('Cancelled'),
    };
    expect(Object.values(before)).toEqual([0, 0, 0, 0, 0]);

    const completed = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] });
    const failed = await env.createWorkflowExecution({
      steps: [{ name: 'restart', inputs: { simulate: { outcome: 'fail', exitCode: 3 } } }],
    });
    const rejected = await env.createWorkflowExecution({
      steps: [{ name: 'restart', image: 'docker.io/library/busybox:1.36' }],
    });
    const late = await env.createWorkflowExecution({ timeout: '3s', steps: [{ name: 'drain', inputs: hang }] });
    const results = await Promise.all(
      [completed, failed, rejected, late].map((wfe) => env.run(wfe, { ...FAST_OPTIONS, deadlineGraceMs: 60_000 })),
    );
    expect(results.map((r) => r.reason ?? r.phase)).toEqual([
      'Completed',
      'TaskFailed',
      'ConfigurationError',
      'DeadlineExceeded',
    ]);

    // Deleted while it runs: the workflow is cancelled (by the watcher in a cluster; here as it would), and its
    // cleanup counts it once.
    const deleted = await env.createWorkflowExecution({ steps: [{ name: 'restart', inputs: hang }] });
    const running = await env.start(deleted);
    await eventually('the WFE to run', async () => {
      const wfe = await env.getWorkflowExecution(env.namespace, deleted.metadata.name);
      return (wfe?.status as { phase?: string } | undefined)?.phase === 'Running' ? true : undefined;
    });
    await env.customObjects.deleteNamespacedCustomObject({
      ...WORKFLOW_EXECUTIONS,
      namespace: env.namespace,
      name: deleted.metadata.name,
    });
    await running.cancel();
    await expect(running.result()).rejects.toThrow(/cancel/i);

    // Deleted before its run began: nothing was done for it.
    const gone = await env.createWorkflowExecution({ steps: [{ name: 'restart' }] });
    await env.customObjects.deleteNamespacedCustomObject({
      ...WORKFLOW_EXECUTIONS,
      namespace: env.namespace,
      name: gone.metadata.name,
    });
    expect(await env.run(gone)).toMatchObject({ reason: 'Cancelled' });

    const after = await eventually('the counters to show every end', async () => {
      const now = {
        Completed: await executions('Completed'),
        TaskFailed: await executions('TaskFailed'),
        ConfigurationError: await executions('ConfigurationError'),
        DeadlineExceeded: await executions('DeadlineExceeded'),
        Cancelled: await executions('Cancelled'),
      };
      return now.Cancelled >= 2 ? now : undefined;
    });
    expect(after).toEqual({ Completed: 1, TaskFailed: 1, ConfigurationError: 1, DeadlineExceeded: 1, Cancelled: 2 });
    const metrics = (await get('/metrics')).body;
    expect(metrics).toMatch(/^kubernaut_workflow_execution_duration_seconds_count\{outcome="Completed"\} 1$/m);
    expect(metrics).toMatch(/^kubernaut_action_records_written_total\{status="succeeded"\} 1$/m);
  });
});
