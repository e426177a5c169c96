// The API's answers, checked against a model: a known history is seeded, and for each combination of
// filters the pages the API returns (followed cursor by cursor) must be exactly the model's records in
// the API's order — none missing, none twice.
import type { ActionRecord, StoredAssessment } from '../../src/datastorage/records';
import { DAY } from '../datastorage/fixtures';
import { startApi, type ApiUnderTest } from './support/api';
import { ACTION_TYPES, newestFirst, seed, TARGETS, type Seeded } from './support/seed';

let api: ApiUnderTest;
let data: Seeded;

beforeAll(async () => {
  api = await startApi();
  data = await seed(api.db);
});
afterAll(() => api?.stop());

const q = (params: Record<string, string | number | undefined>) =>
  new URLSearchParams(
    Object.entries(params)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]): [string, string] => [k, String(v)]),
  ).toString();

async function allPages(path: string, params: Record<string, string | number | undefined>, key: string) {
  const items: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const res = await api.get(`${path}?${q({ ...params, cursor })}`);
    expect(res.status).toBe(200);
    items.push(...res.body[key]);
    cursor = res.body.nextCursor ?? undefined;
    if (!cursor) return items;
  }
  throw new Error('more than 100 pages');
}

describe('GET /api/v1/action-records', () => {
  const since = () => new Date(data.now - 40 * DAY).toISOString();
  const cases: [string, Record<string, string | undefined>, (r: ActionRecord) => boolean][] = [
    ['no filter', {}, () => true],
    ['one action type', { actionType: ACTION_TYPES[0] }, (r) => r.actionType === ACTION_TYPES[0]],
    [
      'two action types',
      { actionType: `${ACTION_TYPES[0]},${ACTION_TYPES[2]}` },
      (r) => r.actionType !== ACTION_TYPES[1],
    ],
    ['a target', { target: TARGETS[1] }, (r) => r.target === TARGETS[1]],
    [
      'a target and an action type',
      { target: TARGETS[0], actionType: ACTION_TYPES[1] },
      (r) => r.target === TARGETS[0] && r.actionType === ACTION_TYPES[1],
    ],
    [
      'a target and statuses',
      { target: TARGETS[0], status: 'succeeded,failed' },
      (r) => r.target === TARGETS[0] && (r.status === 'succeeded' || r.status === 'failed'),
    ],
    [
      'a target and two action types',
      { target: TARGETS[1], actionType: `${ACTION_TYPES[1]},${ACTION_TYPES[2]}` },
      (r) => r.target === TARGETS[1] && r.actionType !== ACTION_TYPES[0],
    ],
    ['a namespace', { namespace: 'staging' }, (r) => r.wfeNamespace === 'staging'],
    ['a remediation', { remediationId: 'prod/rr-3' }, (r) => r.remediationId === 'prod/rr-3'],
    ['statuses', { status: 'failed,executing' }, (r) => r.status === 'failed' || r.status === 'executing'],
    [
      'status and namespace',
      { status: 'succeeded', namespace: 'prod' },
      (r) => r.status === 'succeeded' && r.wfeNamespace === 'prod',
    ],
    ['a target that has no records', { target: 'prod/Deployment/none' }, () => false],
  ];

  it.each(cases)('pages through %s exactly, newest first, in pages of 7', async (_name, filters, match) => {
    const got = (await allPages(
      '/api/v1/action-records',
      { since: since(), limit: 7, ...filters },
      'records',
    )) as ActionRecord[];
    const expected = data.records.filter(match).sort(newestFirst);
    expect(got.map((r) => `${r.wfeUid}/${r.stepName}`)).toEqual(expected.map((r) => `${r.wfeUid}/${r.stepName}`));
    expect(got).toEqual(expected);
  });

  it('keeps to the window [since, until)', async () => {
    const until = new Date(data.now - 5 * DAY).toISOString();
    const from = new Date(data.now - 12 * DAY).toISOString();
    const got = (await allPages(
      '/api/v1/action-records',
      { since: from, until, limit: 1000 },
      'records',
    )) as ActionRecord[];
    const expected = data.records
      .filter((r) => r.executionStartedAt >= from && r.executionStartedAt < until)
      .sort(newestFirst);
    expect(expected.length).toBeGreaterThan(0);
    expect(got).toEqual(expected);
  });

  it('rejects a cursor with other filters than the page it came from', async () => {
    const first = await api.get(`/api/v1/action-records?${q({ since: since(), limit: 2 })}`);
    const res = await api.get(
      `/api/v1/action-records?${q({ since: since(), limit: 2, namespace: 'prod', cursor: first.body.nextCursor })}`,
    );
    expect(res.status).toBe(400);
    expect(res.body['invalid-params']).toEqual([expect.objectContaining({ name: 'cursor' })]);
  });
});

describe('GET /api/v1/workflow-executions/{wfeUid}/action-records', () => {
  it('returns every step of the WorkflowExecution by step name', async () => {
    const res = await api.get('/api/v1/workflow-executions/uid-007/action-records');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      wfeUid: 'uid-007',
      records: data.records.filter((r) => r.wfeUid === 'uid-007').sort((a, b) => (a.stepName < b.stepName ? -1 : 1)),
    });
    expect(res.body.records).toHaveLength(2);
  });

  it('returns no records for a WorkflowExecution it does not know', async () => {
    const res = await api.get('/api/v1/workflow-executions/uid-unknown/action-records');
    expect(res.body).toEqual({ wfeUid: 'uid-unknown', records: [] });
  });
});

describe('GET /api/v1/action-statistics', () => {
  const today = () => new Date(data.now).toISOString().slice(0, 10);

  /** The model: counts by action type and UTC day of the records in the last `days` days. */
  function expected(days: number, match: (r: ActionRecord) => boolean) {
    const first = new Date(Date.parse(`${today()}T00:00:00Z`) - (days - 1) * DAY).toISOString();
    const byType = new Map<string, Map<string, Record<string, number>>>();
    for (const r of data.records.filter((x) => x.executionStartedAt >= first && match(x))) {
      const day = r.executionStartedAt.slice(0, 10);
      const t = byType.get(r.actionType) ?? new Map();
      byType.set(r.actionType, t);
      const c = t.get(day) ?? { executing: 0, succeeded: 0, failed: 0, cancelled: 0, skipped: 0 };
      t.set(day, c);
      c[r.status]!++;
    }
    return [...byType.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([actionType, d]) => ({
        actionType,
        daily: [...d.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, counts]) => ({ day, counts })),
      }));
  }
  const shape = (body: { byActionType: { actionType: string; daily: { day: string; counts: unknown }[] }[] }) =>
    body.byActionType.map((t) => ({
      actionType: t.actionType,
      daily: t.daily.map((d) => ({ day: d.day, counts: d.counts })),
    }));

  it.each([
    ['globally, every action type', {}, () => true],
    [
      'globally, one action type',
      { actionType: ACTION_TYPES[1] },
      (r: ActionRecord) => r.actionType === ACTION_TYPES[1],
    ],
    ['for a target', { target: TARGETS[2] }, (r: ActionRecord) => r.target === TARGETS[2]],
    [
      'for a target and an action type',
      { target: TARGETS[0], actionType: ACTION_TYPES[0] },
      (r: ActionRecord) => r.target === TARGETS[0] && r.actionType === ACTION_TYPES[0],
    ],
    ['for a target that has no records', { target: 'prod/Deployment/none' }, () => false],
    ['for an action type that has no records', { actionType: 'kubernetes/never_run' }, () => false],
  ] as const)('counts outcomes per action type and day %s', async (_name, filters, match) => {
    for (const days of [1, 7, 90]) {
      const res = await api.get(`/api/v1/action-statistics?${q({ days, until: today(), ...filters })}`);
      expect(res.status).toBe(200);
      expect(shape(res.body)).toEqual(expected(days, match));
      expect(res.body.window).toEqual({
        since: new Date(Date.parse(`${today()}T00:00:00Z`) - (days - 1) * DAY).toISOString(),
        until: new Date(Date.parse(`${today()}T00:00:00Z`) + DAY).toISOString(),
        days,
      });
    }
  });

  it('answers zero totals and no action types when nothing was recorded', async () => {
    const res = await api.get(`/api/v1/action-statistics?${q({ days: 7, target: 'prod/Deployment/none' })}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      target: 'prod/Deployment/none',
      totals: {
        counts: { executing: 0, succeeded: 0, failed: 0, cancelled: 0, skipped: 0 },
        total: 0,
        successRate: null,
      },
      byActionType: [],
    });
  });

  it('sums the totals and the success rate from the same counts', async () => {
    const res = await api.get(`/api/v1/action-statistics?${q({ days: 90 })}`);
    const all = data.records;
    const succeeded = all.filter((r) => r.status === 'succeeded').length;
    const failed = all.filter((r) => r.status === 'failed').length;
    expect(res.body.totals.total).toBe(all.length);
    expect(res.body.totals.successRate).toBeCloseTo(succeeded / (succeeded + failed), 10);
  });
});

describe('effectiveness assessments', () => {
  const since = () => new Date(data.now - 30 * DAY).toISOString();
  const byNewest = (a: StoredAssessment, b: StoredAssessment) =>
    a.assessedAt === b.assessedAt ? (a.remediationId < b.remediationId ? 1 : -1) : a.assessedAt < b.assessedAt ? 1 : -1;

  it.each([
    ['no filter', {}, () => true],
    ['a target', { target: TARGETS[1] }, (a: StoredAssessment) => a.target === TARGETS[1]],
    ['a status', { status: 'insufficient_data' }, (a: StoredAssessment) => a.status === 'insufficient_data'],
    [
      'a trend and an action type',
      { trend: 'improving', actionType: ACTION_TYPES[1] },
      (a: StoredAssessment) => a.trend === 'improving' && a.actionTypes.includes(ACTION_TYPES[1]!),
    ],
    ['a remediation', { remediationId: 'prod/rr-4' }, (a: StoredAssessment) => a.remediationId === 'prod/rr-4'],
  ] as const)('pages through %s exactly, newest first', async (_name, filters, match) => {
    const got = await allPages(
      '/api/v1/effectiveness-assessments',
      { since: since(), limit: 3, ...filters },
      'assessments',
    );
    expect(got).toEqual(data.assessments.filter(match).sort(byNewest));
  });

  it('returns the assessment of one remediation, or 404', async () => {
    const found = await api.get('/api/v1/remediations/prod/rr-2/effectiveness-assessment');
    expect(found.status).toBe(200);
    expect(found.body).toEqual(data.assessments.find((a) => a.remediationId === 'prod/rr-2'));
    const missing = await api.get('/api/v1/remediations/prod/rr-99/effectiveness-assessment');
    expect(missing.status).toBe(404);
    expect(missing.contentType).toBe('application/problem+json');
  });
});
