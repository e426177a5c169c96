// Every bad input at every entry point is a 400 problem that names the parameter — never a 500, never
// data. And strings shaped like SQL injection are only ever values: they match nothing and change nothing.
import { encodeCursor } from '../../src/datastorage-api/cursor';
import { DAY } from '../datastorage/fixtures';
import { startApi, type ApiUnderTest } from './support/api';
import { seed, TARGETS } from './support/seed';

let api: ApiUnderTest;
let now: number;

beforeAll(async () => {
  api = await startApi({ maxPageSize: 500, maxWindowDays: 100 });
  now = (await seed(api.db, 12)).now;
});
afterAll(() => api?.stop());

const SINCE = '2026-01-01T00:00:00Z';
const RECORDS = `/api/v1/action-records?since=${SINCE}&until=2026-03-01T00:00:00Z`;
const ASSESSMENTS = `/api/v1/effectiveness-assessments?since=${SINCE}&until=2026-03-01T00:00:00Z`;
const STATS = '/api/v1/action-statistics';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const long = (n: number) => 'x'.repeat(n);

// [what, path, the parameter the problem must name]
const CASES: [string, string, string][] = [
  ['since missing', '/api/v1/action-records', 'since'],
  ['since not a timestamp', '/api/v1/action-records?since=yesterday', 'since'],
  ['since without an offset', '/api/v1/action-records?since=2026-01-01T00:00:00', 'since'],
  ['since an impossible date', '/api/v1/action-records?since=2026-02-30T00:00:00Z', 'since'],
  ['since before 1970', '/api/v1/action-records?since=1969-12-31T23:59:59Z&until=1970-01-02T00:00:00Z', 'since'],
  ['since given twice', `/api/v1/action-records?since=${SINCE}&since=${SINCE}`, 'since'],
  ['inverted window', '/api/v1/action-records?since=2026-03-01T00:00:00Z&until=2026-01-01T00:00:00Z', 'since'],
  ['empty window', `/api/v1/action-records?since=${SINCE}&until=${SINCE}`, 'since'],
  [
    'window longer than the maximum',
    '/api/v1/action-records?since=2025-01-01T00:00:00Z&until=2026-01-01T00:00:00Z',
    'since',
  ],
  ['unbounded: since in 1970 and until now', '/api/v1/action-records?since=1970-01-01T00:00:00Z', 'since'],
  ['until not a timestamp', `/api/v1/action-records?since=${SINCE}&until=tomorrow`, 'until'],
  ['limit zero', `${RECORDS}&limit=0`, 'limit'],
  ['limit negative', `${RECORDS}&limit=-5`, 'limit'],
  ['limit above the maximum page', `${RECORDS}&limit=501`, 'limit'],
  ['limit not a number', `${RECORDS}&limit=ten`, 'limit'],
  ['limit a fraction', `${RECORDS}&limit=1.5`, 'limit'],
  ['limit in exponent notation', `${RECORDS}&limit=1e2`, 'limit'],
  ['unknown filter', `${RECORDS}&acton_type=kubernetes/restart_pod`, 'acton_type'],
  ['unknown status', `${RECORDS}&status=succeeded,exploded`, 'status'],
  ['empty item in a list', `${RECORDS}&actionType=a,,b`, 'actionType'],
  [
    'too many action types',
    `${RECORDS}&actionType=${Array.from({ length: 51 }, (_, i) => `t${i}`).join(',')}`,
    'actionType',
  ],
  ['namespace not a DNS label', `${RECORDS}&namespace=Prod_NS`, 'namespace'],
  ['target too long', `${RECORDS}&target=${long(513)}`, 'target'],
  ['empty target', `${RECORDS}&target=`, 'target'],
  ['NUL byte in a target', `${RECORDS}&target=prod%00/Deployment/web`, 'target'],
  ['control character in a remediation id', `${RECORDS}&remediationId=prod/rr%0A1`, 'remediationId'],
  ['cursor not base64 JSON', `${RECORDS}&cursor=%%%not-a-cursor`, 'cursor'],
  ['cursor of garbage base64', `${RECORDS}&cursor=${Buffer.from('garbage').toString('base64url')}`, 'cursor'],
  [
    'cursor with a position that overflows bigint',
    `${RECORDS}&cursor=${b64({ v: 1, k: 'action-records', f: 'x', p: ['99999999999999999999999', 'u', 's'] })}`,
    'cursor',
  ],
  [
    'cursor with SQL in it',
    `${RECORDS}&cursor=${b64({ v: 1, k: 'action-records', f: 'x', p: ["0'; DROP TABLE action_records; --", 'u', 's'] })}`,
    'cursor',
  ],
  [
    'cursor of another endpoint',
    `${RECORDS}&cursor=${encodeCursor('effectiveness-assessments', 'x', ['1', 'r'])}`,
    'cursor',
  ],
  ['wfe uid with a slash-encoded path', '/api/v1/workflow-executions/..%2F..%2Fetc/action-records', 'wfeUid'],
  ['wfe uid too long', `/api/v1/workflow-executions/${long(129)}/action-records`, 'wfeUid'],
  ['wfe uid with a quote', "/api/v1/workflow-executions/x'--/action-records", 'wfeUid'],
  ['statistics days zero', `${STATS}?days=0`, 'days'],
  ['statistics days above the maximum window', `${STATS}?days=101`, 'days'],
  ['statistics until not a date', `${STATS}?until=2026-02-31`, 'until'],
  ['statistics until a timestamp', `${STATS}?until=2026-02-01T00:00:00Z`, 'until'],
  ['statistics unknown parameter', `${STATS}?since=${SINCE}`, 'since'],
  ['assessments since missing', '/api/v1/effectiveness-assessments', 'since'],
  ['assessments unknown trend', `${ASSESSMENTS}&trend=sideways`, 'trend'],
  ['assessments unknown status', `${ASSESSMENTS}&status=great`, 'status'],
  ['assessment remediation name not a DNS name', '/api/v1/remediations/prod/RR_1/effectiveness-assessment', 'name'],
  [
    'assessment remediation namespace too long',
    `/api/v1/remediations/${long(64)}/rr/effectiveness-assessment`,
    'namespace',
  ],
];

describe('bad input', () => {
  it('has at least 25 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CASES)('%s → 400 naming the parameter', async (_what, path, parameter) => {
    const res = await api.get(path);
    expect({ status: res.status, contentType: res.contentType }).toEqual({
      status: 400,
      contentType: 'application/problem+json',
    });
    expect(res.body).toMatchObject({ type: '/problems/invalid-parameter', status: 400, title: expect.any(String) });
    expect(res.body['invalid-params'].map((p: { name: string }) => p.name)).toContain(parameter);
    expect(res.body.detail).toContain(parameter);
  });
});

describe('strings shaped like SQL injection', () => {
  const since = () => new Date(now - 30 * DAY).toISOString();
  const HOSTILE = [
    "' OR '1'='1",
    "prod/Deployment/web' OR 'x'='x",
    "'; DROP TABLE action_records; --",
    '%',
    '_',
    '*',
    "\\'; SELECT pg_sleep(10); --",
    `${TARGETS[0]}' UNION SELECT * FROM effectiveness_assessments --`,
  ];

  it.each(HOSTILE)('%s as target, action type and remediation returns nothing', async (hostile) => {
    for (const param of ['target', 'actionType', 'remediationId']) {
      const res = await api.get(`/api/v1/action-records?${new URLSearchParams({ since: since(), [param]: hostile })}`);
      expect({ param, status: res.status, records: res.body.records }).toEqual({ param, status: 200, records: [] });
    }
    const stats = await api.get(`/api/v1/action-statistics?${new URLSearchParams({ target: hostile })}`);
    expect(stats.body.byActionType).toEqual([]);
    const assessments = await api.get(
      `/api/v1/effectiveness-assessments?${new URLSearchParams({ since: since(), target: hostile })}`,
    );
    expect(assessments.body.assessments).toEqual([]);
  });

  it('leaves the data as it was', async () => {
    const { rows } = await api.db.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM action_records');
    expect(Number(rows[0]!.n)).toBe(24);
    const all = await api.get(`/api/v1/action-records?${new URLSearchParams({ since: since() })}`);
    expect(all.body.records).toHaveLength(24);
  });
});
