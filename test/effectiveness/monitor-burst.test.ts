/**
 * A burst of terminal remediations: every one is assessed, and the monitor's history stays bounded
 * because it continues as new (forced here by a low `continueAsNewAtHistoryLength` input: the dev
 * server's own suggestContinueAsNew threshold is in the thousands and is not lowered for tests).
 */
import { EffectivenessMonitorStatus } from '../../src/workflows/effectiveness-monitor';
import { eventually, uniqueName } from '../support/stack';
import { EffectivenessTestEnv, createEffectivenessTestEnv, terminalRemediation } from './support/effectiveness-env';

const BURST = 100;
/** Without continue-as-new the monitor would need 4–5 events per remediation: about 450 here. */
const HISTORY_LIMIT = 100;
/**
 * The limit is what the monitor plans its batches against (src/domain/effectiveness/monitor-state.ts);
 * completions of children and the workflow tasks they cause land on top of the plan, so the events a run
 * causes itself may overshoot it a little — never by the size of the burst. Signals land whatever the
 * monitor does, so they are counted apart.
 */
const OWN_EVENTS_BOUND = 2 * HISTORY_LIMIT;

let env: EffectivenessTestEnv;

beforeAll(async () => {
  env = await createEffectivenessTestEnv('effectiveness-burst');
  await env.startWorker('worker-burst');
});
afterAll(async () => {
  await env?.resetMonitor();
  await env?.close();
});

interface MonitorRun {
  runId: string;
  status: string;
  events: number;
  signals: number;
  failedWorkflowTasks: number;
}

async function monitorRuns(): Promise<MonitorRun[]> {
  const runs: MonitorRun[] = [];
  for await (const w of env.client.workflow.list({ query: `WorkflowId = '${env.monitorId}'` })) {
    const history = await env.client.workflow.getHandle(env.monitorId, w.runId).fetchHistory();
    const events = history.events ?? [];
    runs.push({
      runId: w.runId,
      status: w.status.name,
      events: events.length,
      signals: events.filter((e) => e.workflowExecutionSignaledEventAttributes).length,
      failedWorkflowTasks: events.filter((e) => e.workflowTaskFailedEventAttributes).length,
    });
  }
  return runs;
}

describe('effectivenessMonitorWorkflow under a burst', () => {
  it(`assesses ${BURST} remediations signalled at once and keeps each run's history bounded`, async () => {
    const target = () => `${uniqueName('burst')}/Deployment/api`;
    const remediations = Array.from({ length: BURST }, () => terminalRemediation(target(), ['kubernetes/restart_pod']));
    const monitor = { stabilizationWindowMs: 0, continueAsNewAtHistoryLength: HISTORY_LIMIT };

    await Promise.all(remediations.map((r) => env.signal(r, monitor)));

    const stored = await eventually(
      `${BURST} assessments`,
      async () => {
        const rows = await env.db.pool.query<{ n: string }>(
          'SELECT count(*) AS n FROM effectiveness_assessments WHERE remediation_id = ANY($1)',
          [remediations.map((r) => r.remediation.id)],
        );
        return Number(rows.rows[0].n) === BURST ? BURST : undefined;
      },
      150_000,
    );
    expect(stored).toBe(BURST);

    const status = await env.client.workflow.getHandle(env.monitorId).query<EffectivenessMonitorStatus>('status');
    expect(status.totals).toMatchObject({ received: BURST, duplicates: 0, started: BURST, alreadyStarted: 0 });
    expect(status.run).toBeGreaterThan(1);

    // The monitor may continue as new again after the status above (its children's completions grow its
    // history too): compare the listing with the run it is on now, asked together with it.
    const runs = await eventually('all monitor runs listed', async () => {
      const { run } = await env.client.workflow.getHandle(env.monitorId).query<EffectivenessMonitorStatus>('status');
      const r = await monitorRuns();
      return r.length === run ? r : undefined;
    });
    expect(runs.filter((r) => r.status === 'CONTINUED_AS_NEW')).toHaveLength(runs.length - 1);
    for (const run of runs) {
      expect(run.events - run.signals).toBeLessThanOrEqual(OWN_EVENTS_BOUND);
      // No task failed (a burst's starts made inside a long workflow task let Temporal's buffered-events limit
      // fail it, and the retry start them again): every start was counted once, as started, above.
      expect(run.failedWorkflowTasks).toBe(0);
    }
    expect(runs.reduce((n, r) => n + r.signals, 0)).toBe(BURST);
  }, 180_000);
});
