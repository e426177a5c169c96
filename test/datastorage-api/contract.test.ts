// Contract tests: every response of every endpoint — data, empty results and every documented error —
// must be what the served OpenAPI document says, checked by a validator (support/contract.ts), and every
// documented status of an endpoint must be seen here at least once (except 500, which only a bug causes).
import { AuthBackendError, type AccessReviewer } from '../../src/datastorage-api/auth/access';
import { DAY } from '../datastorage/fixtures';
import { startApi, TEST_TOKEN, type ApiResponse, type ApiUnderTest } from './support/api';
import { loadContract, type Contract } from './support/contract';
import { seed } from './support/seed';

const FORBIDDEN_TOKEN = 'forbidden-token-0123456789';
const BROKEN_TOKEN = 'api-server-down-token-0123';

/** Static decisions for the contract only: one token allowed, one forbidden, one whose review fails. */
const reviewer: AccessReviewer = {
  async authenticate(token) {
    if (token === BROKEN_TOKEN) throw new AuthBackendError('TokenReview failed: connect ECONNREFUSED');
    if (token === TEST_TOKEN || token === FORBIDDEN_TOKEN)
      return { authenticated: true, identity: { user: token === TEST_TOKEN ? 'reader' : 'stranger', groups: [] } };
    return { authenticated: false, reason: 'unknown token' };
  },
  async authorize(identity) {
    return identity.user === 'reader' ? { allowed: true } : { allowed: false, reason: 'stranger may not read' };
  },
};

let api: ApiUnderTest;
let limited: ApiUnderTest;
let contract: Contract;
let now: number;
const seen = new Map<string, Set<number>>();

beforeAll(async () => {
  api = await startApi({ reviewer });
  limited = await startApi({ reviewer, rateLimitPerMinute: 1 });
  now = (await seed(api.db, 10)).now;
  const doc = await api.get('/openapi.json', { token: null });
  expect(doc.status).toBe(200);
  contract = await loadContract(doc.text);
});
afterAll(async () => {
  await api?.stop();
  await limited?.stop();
});

async function conforms(method: string, template: string, response: ApiResponse) {
  expect(await contract.check(method, template, response)).toEqual([]);
  const statuses = seen.get(template) ?? new Set();
  statuses.add(response.status);
  seen.set(template, statuses);
}

const since = () => new Date(now - 20 * DAY).toISOString();

const ENDPOINTS: { template: string; ok: () => string; bad: string; notFound?: () => string }[] = [
  {
    template: '/api/v1/action-records',
    ok: () => `/api/v1/action-records?since=${since()}&limit=3`,
    bad: '/api/v1/action-records?since=nope',
  },
  {
    template: '/api/v1/workflow-executions/{wfeUid}/action-records',
    ok: () => '/api/v1/workflow-executions/uid-001/action-records',
    bad: '/api/v1/workflow-executions/bad%20uid/action-records',
  },
  {
    template: '/api/v1/action-statistics',
    ok: () => '/api/v1/action-statistics?days=30',
    bad: '/api/v1/action-statistics?days=-1',
  },
  {
    template: '/api/v1/effectiveness-assessments',
    ok: () => `/api/v1/effectiveness-assessments?since=${since()}&limit=2`,
    bad: '/api/v1/effectiveness-assessments?since=x',
  },
  {
    template: '/api/v1/remediations/{namespace}/{name}/effectiveness-assessment',
    ok: () => '/api/v1/remediations/prod/rr-1/effectiveness-assessment',
    bad: '/api/v1/remediations/prod/NOT_VALID/effectiveness-assessment',
    notFound: () => '/api/v1/remediations/prod/rr-404/effectiveness-assessment',
  },
];

describe.each(ENDPOINTS)('$template', (e) => {
  it('answers data as documented (200), with and without results', async () => {
    const res = await api.get(e.ok());
    expect(res.status).toBe(200);
    await conforms('GET', e.template, res);
  });

  it('answers bad input (400), no token and a rejected token (401), a forbidden user (403) as documented', async () => {
    const cases: [ApiResponse, number][] = [
      [await api.get(e.bad), 400],
      [await api.get(e.ok(), { token: null }), 401],
      [await api.get(e.ok(), { token: 'not-a-known-token' }), 401],
      [await api.get(e.ok(), { token: FORBIDDEN_TOKEN }), 403],
    ];
    for (const [res, status] of cases) {
      expect(res.status).toBe(status);
      await conforms('GET', e.template, res);
    }
  });

  it('answers an unreachable API server (503 with Retry-After) and a client over its rate limit (429) as documented', async () => {
    const down = await api.get(e.ok(), { token: BROKEN_TOKEN });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    await conforms('GET', e.template, down);
    await limited.get(e.ok());
    const over = await limited.get(e.ok());
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    await conforms('GET', e.template, over);
  });

  if (e.notFound)
    it('answers a missing resource (404) as documented', async () => {
      const res = await api.get(e.notFound!());
      expect(res.status).toBe(404);
      await conforms('GET', e.template, res);
    });
});

describe('the OpenAPI document', () => {
  it('documents exactly the endpoints above plus the operational ones, each with an operationId', () => {
    const operations = Object.entries(contract.document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /api/v1/action-records listActionRecords',
        'GET /api/v1/workflow-executions/{wfeUid}/action-records getWorkflowExecutionActionRecords',
        'GET /api/v1/action-statistics getActionStatistics',
        'GET /api/v1/effectiveness-assessments listEffectivenessAssessments',
        'GET /api/v1/remediations/{namespace}/{name}/effectiveness-assessment getEffectivenessAssessment',
        'GET /healthz healthz',
        'GET /readyz readyz',
        'GET /metrics metrics',
      ].sort(),
    );
  });

  it('requires the bearer scheme on the data endpoints only', () => {
    const doc = contract.document as unknown as {
      paths: Record<string, { get: { security?: unknown[] } }>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
    for (const [path, { get }] of Object.entries(doc.paths))
      expect({ path, security: get.security }).toEqual({
        path,
        security: path.startsWith('/api/') ? [{ bearer: [] }] : undefined,
      });
  });

  it('operational endpoints answer as documented', async () => {
    for (const path of ['/healthz', '/readyz']) {
      const res = await api.get(path, { token: null });
      expect(res.text).toBe('ok\n');
      await conforms('GET', path, res);
    }
    const metrics = await api.get('/metrics', { token: null });
    expect(metrics.text).toContain('kubernaut_datastorage_api_request_duration_seconds');
  });

  it('has had every documented status of every data endpoint exercised (500 aside)', () => {
    for (const e of ENDPOINTS) {
      const documented = Object.keys(contract.document.paths[e.template]!.get!.responses)
        .map(Number)
        .filter((s) => s !== 500);
      expect({ endpoint: e.template, statuses: [...(seen.get(e.template) ?? [])].sort() }).toEqual({
        endpoint: e.template,
        statuses: documented.sort(),
      });
    }
  });
});
