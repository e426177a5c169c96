/**
 * The monitor's assessment starts while its worker cannot reach Temporal's frontend, made real: the start
 * activity's client connects through a TCP proxy the test cuts (open connections destroyed, new ones refused)
 * and restores — the monitor's own workflow tasks still flow over the worker's connection. The local attempts
 * give up, the call goes on as a regular activity that the server retries without growing the monitor's
 * history, and the assessment starts (once) when the frontend is reachable again.
 */
import { Client, Connection } from '@temporalio/client';
import { effectivenessAssessmentWorkflowId } from '../../src/domain/names';
import type { EffectivenessMonitorStatus } from '../../src/workflows/effectiveness-monitor';
import { eventually, getStackInfo, uniqueName } from '../support/stack';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { regularActivityRetries } from './support/regular-activity-retries';
import {
  createEffectivenessTestEnv,
  terminalRemediation,
  type EffectivenessTestEnv,
} from './support/effectiveness-env';

let env: EffectivenessTestEnv;
let proxy: TcpProxy;
let connection: Connection;

beforeAll(async () => {
  env = await createEffectivenessTestEnv('assessment-start-outage');
  const [host, port] = getStackInfo().temporal.address.split(':');
  proxy = await startTcpProxy({ host, port: Number(port) });
  connection = await Connection.connect({ address: `127.0.0.1:${proxy.port}` });
  const startClient = new Client({ connection, namespace: env.namespace });
  await env.startWorker('worker-with-proxied-client', { startClient });
});
afterAll(async () => {
  await env?.close();
  await connection?.close();
  await proxy?.close();
});

it('goes on as a regular activity when the local attempts fail, without growing the monitor history, and starts the assessment once Temporal is back', async () => {
  const r = terminalRemediation(`${uniqueName('shop')}/Deployment/web`, ['kubernetes/restart_pod']);
  await proxy.cut();
  const { runId } = await env.signal(r, { stabilizationWindowMs: 0 });
  const monitor = env.client.workflow.getHandle(env.monitorId, runId);

  // The server retries it: attempts go up, the history does not; no assessment exists yet.
  const retries = await regularActivityRetries(monitor, 2, 120_000);
  expect(retries.activityType).toBe('startEffectivenessAssessments');
  expect(retries.historyLength.atAttempt).toBe(retries.historyLength.whenScheduled);
  const assessment = env.client.workflow.getHandle(effectivenessAssessmentWorkflowId(r.remediation));
  await expect(assessment.describe()).rejects.toThrow(/not found/i);
  // Signals still land while the starts wait: the monitor queues them.
  const queued = await monitor.query<EffectivenessMonitorStatus>('status');
  expect(queued).toMatchObject({ starting: 1, totals: { received: 1, started: 0 } });

  await proxy.restore();
  expect(
    await eventually(
      'assessment stored',
      async () => (await env.dataStorage.getAssessment(r.remediation.id)) ?? undefined,
      120_000,
    ),
  ).toMatchObject({ remediationId: r.remediation.id });
  const status = await eventually('the start counted', async () => {
    const s = await monitor.query<EffectivenessMonitorStatus>('status');
    return s.starting === 0 ? s : undefined;
  });
  expect(status.totals).toMatchObject({ started: 1, alreadyStarted: 0 });
  expect((await assessment.result()).created).toBe(true);
}, 300_000);
