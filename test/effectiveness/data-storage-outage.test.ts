/**
 * An assessment while the Data Storage is unreachable, made real: the worker's activities reach PostgreSQL
 * through a TCP proxy the test cuts (open connections destroyed, new ones refused) and restores. The local
 * attempts give up after their short window, the call goes on as a regular activity that the server retries
 * without growing the history, and the assessment is stored once the database is back.
 */
import { Pool } from 'pg';
import { createDataStorage } from '../../src/datastorage/repository';
import { effectivenessAssessmentWorkflowId } from '../../src/domain/names';
import { uniqueName } from '../support/stack';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { regularActivityRetries } from './support/regular-activity-retries';
import {
  createEffectivenessTestEnv,
  terminalRemediation,
  type EffectivenessTestEnv,
} from './support/effectiveness-env';

let env: EffectivenessTestEnv;
let proxy: TcpProxy;
let proxiedPool: Pool;

beforeAll(async () => {
  env = await createEffectivenessTestEnv('effectiveness-outage');
  const url = new URL(env.db.url);
  proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
  url.port = String(proxy.port);
  proxiedPool = new Pool({ connectionString: url.toString(), connectionTimeoutMillis: 1_000 });
  proxiedPool.on('error', () => undefined); // idle connections die with every cut: expected
  await env.startWorker('worker-behind-proxy', { dataStorage: createDataStorage(proxiedPool) });
});
afterAll(async () => {
  await env?.close();
  await proxiedPool?.end();
  await proxy?.close();
});

it('goes on as a regular activity when the local attempts fail, without growing the history, and stores the assessment once the database is back', async () => {
  const r = terminalRemediation(`${uniqueName('shop')}/Deployment/web`, ['kubernetes/restart_pod']);
  const handle = env.client.workflow.getHandle(effectivenessAssessmentWorkflowId(r.remediation));
  await proxy.cut();
  await env.signal(r, { stabilizationWindowMs: 0 });

  // The local attempts (about 10 s) end, and the call is scheduled as a regular activity, which the server
  // retries: attempts go up, the history does not.
  const retries = await regularActivityRetries(handle, 3, 60_000);
  expect(retries.activityType).toBe('gatherEffectivenessInputs');
  expect(retries.historyLength.atAttempt).toBe(retries.historyLength.whenScheduled);
  expect(await env.dataStorage.getAssessment(r.remediation.id)).toBeNull();

  await proxy.restore();
  const result = await handle.result();
  expect(result.created).toBe(true);
  expect(await env.dataStorage.getAssessment(r.remediation.id)).toMatchObject({
    remediationId: r.remediation.id,
    status: result.assessment.status,
  });
  // The local attempts of the first call are on record as failed; once the database was back, the second call
  // went the quick way again: no second regular activity.
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(1);
  const localActivities = events
    .map((e) => e.markerRecordedEventAttributes)
    .filter((m) => m?.markerName === 'core_local_activity');
  expect(localActivities.map((m) => (m?.failure ? 'failed' : 'completed'))).toEqual(['failed', 'completed']);
});
