// A database outage, made real: the API reaches PostgreSQL through a TCP proxy that the test cuts
// (open connections destroyed, new ones refused) and restores. While it is cut every data request is a
// 503 problem with Retry-After, within the connect timeout, and readiness says why; once restored the
// same API answers 200 again by itself — no restart, no manual reconnect.
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { eventually } from '../support/stack';
import { startApi, type ApiUnderTest } from './support/api';
import { seed } from './support/seed';

let api: ApiUnderTest;
let proxy: TcpProxy | undefined;
let since: string;

beforeAll(async () => {
  api = await startApi({
    connectionTimeoutMs: 1_000,
    retryAfterSeconds: 3,
    databaseUrl: async (readerUrl) => {
      const url = new URL(readerUrl);
      proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
      url.port = String(proxy.port);
      return url.toString();
    },
  });
  since = new Date((await seed(api.db, 6)).now - 10 * 86_400_000).toISOString();
});
afterAll(async () => {
  await proxy?.close();
  await api?.stop();
});

const records = () => api.get(`/api/v1/action-records?since=${since}`);

it('answers 503 with Retry-After while the database is unreachable, and 200 again once it is back', async () => {
  const before = await records();
  expect(before.status).toBe(200);
  expect(before.body.records).toHaveLength(12);

  await proxy!.cut();
  for (const path of [
    `/api/v1/action-records?since=${since}`,
    '/api/v1/action-statistics',
    '/api/v1/workflow-executions/uid-001/action-records',
    `/api/v1/effectiveness-assessments?since=${since}`,
    '/api/v1/remediations/prod/rr-1/effectiveness-assessment',
  ]) {
    const started = Date.now();
    const res = await api.get(path);
    expect({ path, status: res.status, type: res.body.type }).toEqual({
      path,
      status: 503,
      type: '/problems/unavailable',
    });
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.body.detail).toMatch(/database is unreachable/);
    expect(Date.now() - started).toBeLessThan(5_000);
  }
  const ready = await api.get('/readyz', { token: null });
  expect(ready.status).toBe(503);
  expect(ready.text).toMatch(/^not ready: the database does not answer/);

  await proxy!.restore();
  const after = await eventually('the API to answer again', async () => {
    const res = await records();
    return res.status === 200 ? res : undefined;
  });
  expect(after.body).toEqual(before.body);
  expect((await api.get('/readyz', { token: null })).status).toBe(200);
});
