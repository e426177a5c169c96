/**
 * The stabilization window of every assessment is the one configured on the worker and the watcher
 * (KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS), whichever of them starts the effectiveness monitor and
 * whichever reports a remediation first; a process reporting another window is counted by the monitor.
 * The worker is the execution environment's (wired as src/workers/main.ts wires it), the watcher is the
 * real process configured through its environment only; one monitor shard, so both reach the same monitor.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { effectivenessAssessmentWorkflowId, effectivenessMonitorWorkflowId } from '../../src/domain/names';
import { REMEDIATION_REQUESTS } from '../../src/kubernetes/resources';
import { signalRemediationTerminal } from '../../src/temporal-client/effectiveness-signal';
import type { EffectivenessMonitorStatus } from '../../src/workflows/effectiveness-monitor';
import { createExecutionEnv, type ExecutionEnv } from '../support/execution-env';
import { eventually, uniqueName } from '../support/stack';
import { startWatcherProcess, type WatcherProcess } from '../watcher/support/watcher-env';
import * as k8s from '@kubernetes/client-node';

jest.setTimeout(300_000);

/** Configured on both processes; neither the monitor's default (5 min) nor 0. */
const CONFIGURED_WINDOW_MS = 1_500;

type Reporter = 'worker' | 'watcher';
interface Remediation {
  namespace: string;
  name: string;
}

describe('stabilization window', () => {
  let env: ExecutionEnv;
  let watcher: WatcherProcess;

  beforeAll(async () => {
    env = await createExecutionEnv({ prefix: 'window', effectivenessStabilizationMs: CONFIGURED_WINDOW_MS });
    watcher = startWatcherProcess(env, { KUBERNAUT_EFFECTIVENESS_STABILIZATION_MS: String(CONFIGURED_WINDOW_MS) });
    await watcher.synced;
  });
  afterAll(async () => {
    await watcher?.stop();
    await env?.close();
  });

  const monitor = () => env.client.workflow.getHandle(effectivenessMonitorWorkflowId(0));

  /** Ends the monitor's run, so that the next report starts a new one. */
  async function stopMonitor(): Promise<void> {
    try {
      await monitor().terminate('the test starts the monitor from the other side');
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }

  /** The worker reports a remediation: a WorkflowExecution runs to its end and its workflow signals. */
  async function reportByWorker(): Promise<Remediation> {
    const name = uniqueName('rr-worker');
    const wfe = await env.createWorkflowExecution({ remediation: name, steps: [{ name: 'restart' }] });
    expect((await env.run(wfe)).phase).toBe('Completed');
    return { namespace: env.namespace, name };
  }

  /** The watcher reports a remediation: a RemediationRequest reaches a terminal phase. */
  async function reportByWatcher(): Promise<Remediation> {
    const name = uniqueName('rr-watcher');
    await env.customObjects.createNamespacedCustomObject({
      ...REMEDIATION_REQUESTS,
      namespace: env.namespace,
      body: {
        apiVersion: 'kubernaut.ai/v1alpha1',
        kind: 'RemediationRequest',
        metadata: { name, namespace: env.namespace },
        spec: {
          signalName: 'HighLatency',
          targetResource: { kind: 'Deployment', name: 'web', namespace: env.namespace },
        },
      },
    });
    await env.customObjects.patchNamespacedCustomObjectStatus(
      { ...REMEDIATION_REQUESTS, namespace: env.namespace, name, body: { status: { overallPhase: 'Completed' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    return { namespace: env.namespace, name };
  }

  const report = (by: Reporter) => (by === 'worker' ? reportByWorker() : reportByWatcher());

  /** The window the monitor gave the remediation's assessment (the assessment workflow's input). */
  async function windowOf(remediation: Remediation): Promise<number> {
    const handle = env.client.workflow.getHandle(effectivenessAssessmentWorkflowId(remediation));
    const history = await eventually(
      `the assessment of ${remediation.name} to start`,
      async () => handle.fetchHistory(),
      120_000,
      250,
    );
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const input = JSON.parse(Buffer.from(payload!.data!).toString('utf8')) as { stabilizationWindowMs: number };
    return input.stabilizationWindowMs;
  }

  it.each<[Reporter, Reporter]>([
    ['worker', 'watcher'],
    ['watcher', 'worker'],
  ])(
    'gives every assessment the configured window when the %s starts the monitor and the %s reports next',
    async (first, second) => {
      await stopMonitor();
      const started = await report(first);
      expect(await windowOf(started)).toBe(CONFIGURED_WINDOW_MS);
      const { runId } = await monitor().describe();

      const next = await report(second);
      expect(await windowOf(next)).toBe(CONFIGURED_WINDOW_MS);
      expect((await monitor().describe()).runId).toBe(runId); // the run the first report started
      expect((await monitor().query<EffectivenessMonitorStatus>('status')).totals.windowDisagreements).toBe(0);
    },
  );

  it('counts a report whose window disagrees with the one before (a process configured differently)', async () => {
    const before = (await monitor().query<EffectivenessMonitorStatus>('status')).totals.windowDisagreements;
    const misconfigured = await signalRemediationTerminal(
      env.client,
      {
        remediation: { id: `${env.namespace}/rr-other`, namespace: env.namespace, name: 'rr-other' },
        phase: 'Completed',
        target: `${env.namespace}/Deployment/web`,
        actionTypes: [],
        endedAt: new Date().toISOString(),
      },
      { shards: 1, taskQueue: env.taskQueue, stabilizationWindowMs: 4 * CONFIGURED_WINDOW_MS },
    );
    expect(misconfigured.shard).toBe(0);
    const status = await eventually('the monitor to count the disagreement', async () => {
      const s = await monitor().query<EffectivenessMonitorStatus>('status');
      return s.totals.windowDisagreements > before ? s : undefined;
    });
    expect(status.totals.windowDisagreements).toBe(before + 1);
    expect(status.stabilizationWindowMs).toBe(4 * CONFIGURED_WINDOW_MS); // the latest report's
  });
});
