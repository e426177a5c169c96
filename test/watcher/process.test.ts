/**
 * The watcher PROCESS (src/watcher/main.ts), configured through its environment as it is deployed:
 * SIGKILLed while WorkflowExecutions are being created and started again, it completes every one exactly
 * once and leaves alone those that finished while it was down; SIGTERM stops it cleanly; it serves
 * /readyz and /metrics.
 */
import type { KubernetesObject } from '../../src/kubernetes/resources';
import { workflowExecutionWorkflowId } from '../../src/domain/names';
import { freePort } from '../../src/stack/free-port';
import { eventually } from '../support/stack';
import { createExecutionEnv, type ExecutionEnv } from '../support/execution-env';
import {
  allCompleted,
  expectOneRunAndOnePipelineRunEach,
  listWorkflowExecutions,
  phaseOf,
  startWatcherProcess,
  type WatcherProcess,
} from './support/watcher-env';

// Watcher processes compile TypeScript at start (seconds each on two shared cores).
jest.setTimeout(420_000);

describe('watcher process', () => {
  let env: ExecutionEnv;
  const created: KubernetesObject[] = [];
  let processes: WatcherProcess[] = [];

  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'watch-process' });
  });
  afterEach(async () => {
    for (const p of processes) await p.stop('SIGKILL');
    processes = [];
  });
  afterAll(async () => {
    await env?.close();
  });

  function start(extra: Record<string, string> = {}): WatcherProcess {
    const p = startWatcherProcess(env, extra);
    processes.push(p);
    return p;
  }

  async function create(durationMs?: number): Promise<KubernetesObject> {
    const wfe = await env.createWorkflowExecution({
      steps: [{ name: 'restart', ...(durationMs && { inputs: { simulate: { durationMs } } }) }],
    });
    created.push(wfe);
    return wfe;
  }

  const startedUids = (p: WatcherProcess) =>
    p
      .logs()
      .filter((l) => l.msg === 'workflow started')
      .map((l) => l.uid as string);

  it('completes 20 WorkflowExecutions exactly once across a SIGKILL during their creation and a restart', async () => {
    const first = start();
    await first.synced;

    // Five that will still run when the watcher dies, and finish while it is down.
    const early = await Promise.all(Array.from({ length: 5 }, () => create(3_000)));
    await eventually(
      'the first five to be started',
      async () => (early.every((w) => startedUids(first).includes(w.metadata.uid!)) ? true : undefined),
      120_000,
    );
    // Fifteen more, created one after the other; the watcher is killed after the fifth of them.
    const late: KubernetesObject[] = [];
    for (let i = 0; i < 15; i++) {
      late.push(await create());
      if (i === 4) {
        expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
      }
    }
    const all = [...early, ...late];
    await allCompleted(
      env,
      early.map((w) => w.metadata.name),
      120_000,
    );
    const atRestart = await listWorkflowExecutions(env);
    const finishedWhileDown = new Set(
      atRestart.filter((w) => phaseOf(w) === 'Completed' || phaseOf(w) === 'Failed').map((w) => w.metadata.uid!),
    );
    const notStarted = atRestart.filter((w) => !w.status && all.some((c) => c.metadata.uid === w.metadata.uid));
    expect(finishedWhileDown.size).toBeGreaterThanOrEqual(early.length);
    expect(notStarted.length).toBeGreaterThan(0); // the kill left work for the restarted watcher

    const second = start();
    await second.synced;
    await allCompleted(
      env,
      all.map((w) => w.metadata.name),
      240_000,
    );

    // Exactly one workflow run and one PipelineRun per WFE.
    const expected = created
      .map((w) =>
        workflowExecutionWorkflowId({ namespace: env.namespace, name: w.metadata.name, uid: w.metadata.uid! }),
      )
      .sort();
    await expectOneRunAndOnePipelineRunEach(env, expected, all);

    // The restarted watcher did not touch what had finished, and started what had not been started.
    const restarted = startedUids(second);
    for (const uid of finishedWhileDown) expect(restarted).not.toContain(uid);
    for (const w of notStarted) expect(restarted).toContain(w.metadata.uid);
    expect(second.logs().filter((l) => l.msg === 'workflow already finished: not re-run')).toEqual([]);
  });

  it('serves /readyz and /metrics, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const watcher = start({ KUBERNAUT_HTTP_PORT: String(port) });
    await watcher.synced;
    const url = (path: string) => `http://127.0.0.1:${port}${path}`;
    expect((await fetch(url('/readyz'))).status).toBe(200);
    expect((await fetch(url('/healthz'))).status).toBe(200);

    const wfe = await create();
    await allCompleted(env, [wfe.metadata.name], 120_000);
    const metrics = await eventually(
      'the start to show in /metrics',
      async () => {
        const text = await (await fetch(url('/metrics'))).text();
        return /kubernaut_watcher_workflow_starts_total\{outcome="running"\} 1\b/.test(text) ? text : undefined;
      },
      30_000,
      250,
    );
    expect(metrics).toMatch(/kubernaut_watcher_events_total\{resource="workflowexecutions",type="ADDED"\} \d+/);
    expect(metrics).toMatch(/kubernaut_watcher_relists_total\{resource="workflowexecutions"\} [1-9]/);
    expect(metrics).toMatch(/kubernaut_watcher_start_lag_seconds_count 1\b/);
    expect(metrics).toMatch(/kubernaut_watcher_queue_depth \d+/);

    expect(await watcher.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(watcher.logs().map((l) => l.msg)).toContain('watcher stopped');
  });
});
