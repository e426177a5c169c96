// The API's limits, each observed from outside: compression when the client accepts it, a rate limit
// per client address, the database statement timeout and the request deadline (both 503 with
// Retry-After, the query blocked by a real lock), and the largest page.
import http from 'node:http';
import zlib from 'node:zlib';
import type { PoolClient } from 'pg';
import { startApi, type ApiUnderTest } from './support/api';
import { seed } from './support/seed';

let api: ApiUnderTest;
let since: string;

beforeAll(async () => {
  api = await startApi({ rateLimitPerMinute: 3, maxPageSize: 50, statementTimeoutMs: 500 });
  since = new Date((await seed(api.db, 20)).now - 30 * 86_400_000).toISOString();
});
afterAll(() => api?.stop());

/** A GET from a given loopback source address, with the raw (undecoded) body. */
function rawGet(path: string, o: { from?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
    const req = http.get(
      `${api.url}${path}`,
      { localAddress: o.from, headers: { authorization: `Bearer ${api.token}`, ...o.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
  });
}

describe('compression', () => {
  it('compresses a large answer with the encoding the client accepts, and not for a client that accepts none', async () => {
    const path = `/api/v1/action-records?since=${since}&limit=40`;
    const gzip = await rawGet(path, { from: '127.0.0.10', headers: { 'accept-encoding': 'gzip' } });
    const br = await rawGet(path, { from: '127.0.0.11', headers: { 'accept-encoding': 'br' } });
    const plain = await rawGet(path, { from: '127.0.0.12', headers: { 'accept-encoding': 'identity' } });
    expect([gzip.status, br.status, plain.status]).toEqual([200, 200, 200]);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(br.headers['content-encoding']).toBe('br');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const body = JSON.parse(plain.body.toString('utf8'));
    expect(body.records).toHaveLength(40);
    expect(JSON.parse(zlib.gunzipSync(gzip.body).toString('utf8'))).toEqual(body);
    expect(JSON.parse(zlib.brotliDecompressSync(br.body).toString('utf8'))).toEqual(body);
    expect(gzip.body.length).toBeLessThan(plain.body.length / 3);
  });
});

describe('rate limit', () => {
  it('refuses a client over its requests per minute with 429 and Retry-After, and not another client', async () => {
    const path = '/api/v1/action-statistics?days=7';
    const first = [];
    for (let i = 0; i < 3; i++) first.push((await rawGet(path, { from: '127.0.0.20' })).status);
    const over = await rawGet(path, { from: '127.0.0.20' });
    const other = await rawGet(path, { from: '127.0.0.21' });
    expect(first).toEqual([200, 200, 200]);
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(JSON.parse(over.body.toString()).type).toBe('/problems/too-many-requests');
    expect(other.status).toBe(200);
  });

  it('never limits the probes and metrics', async () => {
    for (let i = 0; i < 6; i++) expect((await rawGet('/healthz', { from: '127.0.0.22' })).status).toBe(200);
  });

  it('counts requests without a valid token too, before asking who they are', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        (await rawGet('/api/v1/action-statistics', { from: '127.0.0.23', headers: { authorization: 'Bearer nope' } }))
          .status,
      );
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe('timeouts', () => {
  let locker: PoolClient;
  beforeEach(async () => {
    // A real lock the API's query must wait for: a migration-like ACCESS EXCLUSIVE lock held open.
    locker = await api.db.pool.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE effectiveness_assessments IN ACCESS EXCLUSIVE MODE');
  });
  afterEach(async () => {
    await locker.query('ROLLBACK');
    locker.release();
  });

  it('answers 503 with Retry-After when the statement timeout cancels a query', async () => {
    const res = await rawGet(`/api/v1/effectiveness-assessments?since=${since}`, { from: '127.0.0.30' });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(JSON.parse(res.body.toString()).detail).toMatch(/statement timeout/);
  });
});

describe('request deadline', () => {
  let slow: ApiUnderTest;
  beforeAll(async () => {
    slow = await startApi({ requestTimeoutMs: 300, statementTimeoutMs: 5_000 });
  });
  afterAll(() => slow?.stop());

  it('answers 503 when a request outlives its deadline, and frees the query when the lock goes', async () => {
    const locker = await slow.db.pool.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE effectiveness_assessments IN ACCESS EXCLUSIVE MODE');
      const started = Date.now();
      const res = await slow.get(`/api/v1/effectiveness-assessments?since=${since}`);
      expect(res.status).toBe(503);
      expect(res.body.detail).toMatch(/longer than 300 ms/);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    expect((await slow.get(`/api/v1/effectiveness-assessments?since=${since}`)).status).toBe(200);
  });
});

describe('page size', () => {
  it('serves the largest page and refuses a larger one', async () => {
    const max = await rawGet(`/api/v1/action-records?since=${since}&limit=50`, { from: '127.0.0.40' });
    expect(max.status).toBe(200);
    expect(JSON.parse(max.body.toString()).records.length).toBeLessThanOrEqual(50);
    expect((await rawGet(`/api/v1/action-records?since=${since}&limit=51`, { from: '127.0.0.40' })).status).toBe(400);
  });
});
