import { DataStorageValidationError } from '../../src/datastorage/errors';
import { createDataStorage, type DataStorage } from '../../src/datastorage/repository';
import { scoreEffectiveness, type EffectivenessAssessment } from '../../src/domain/effectiveness/scoring';
import type { TestDatabase } from '../support/stack';
import { dataStorageTestDatabase } from './database';

const ASSESSED_AT = '2026-03-01T12:00:00.000Z';

/** A real scorer output: what the assessment workflow hands to persistAssessment. */
function scored(remediationId: string, succeeded: number, failed: number): EffectivenessAssessment {
  const history = { succeeded, failed, oldestRecordAt: '2025-12-01T00:00:00.000Z', latestOutcomes: [] };
  return scoreEffectiveness({
    remediationId,
    target: 'prod/Deployment/web',
    actionTypes: ['kubernetes/restart_pod'],
    assessedAt: ASSESSED_AT,
    combined: history,
    byActionType: { 'kubernetes/restart_pod': history },
    recentRemediationsByActionType: {},
  });
}

describe('effectiveness assessments', () => {
  let db: TestDatabase;
  let ds: DataStorage;

  beforeAll(async () => {
    db = await dataStorageTestDatabase();
    ds = createDataStorage(db.pool);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('stores the scorer’s assessment as is and reads it back', async () => {
    const assessment = scored('prod/rr-1', 3, 1);
    const result = await ds.persistAssessment(assessment);
    expect(result.created).toBe(true);
    const { createdAt, ineffectiveLoop, ...fields } = result.assessment;
    expect(fields).toEqual(assessment);
    expect(ineffectiveLoop).toBe(false);
    expect(Date.parse(createdAt)).not.toBeNaN();
    await expect(ds.getAssessment('prod/rr-1')).resolves.toEqual(result.assessment);
  });

  it('keeps the first assessment when the same remediation is written again', async () => {
    const first = await ds.persistAssessment(scored('prod/rr-2', 1, 1));
    const second = await ds.persistAssessment(scored('prod/rr-2', 9, 0));
    expect(second).toEqual({ created: false, assessment: first.assessment });
    await expect(ds.getAssessment('prod/rr-2')).resolves.toMatchObject({ score: 0.5 });
  });

  it('stores exactly one of several concurrent writes and returns it to every writer', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => ds.persistAssessment(scored('prod/rr-3', n, 5 - n))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const stored = await ds.getAssessment('prod/rr-3');
    for (const r of results) expect(r.assessment).toEqual(stored);
    const { rows } = await db.pool.query(
      "SELECT count(*)::int AS n FROM effectiveness_assessments WHERE remediation_id = 'prod/rr-3'",
    );
    expect(rows[0].n).toBe(1);
  });

  it('flags an ineffective loop', async () => {
    const looping = scoreEffectiveness({
      remediationId: 'prod/rr-4',
      target: 'prod/Deployment/web',
      actionTypes: ['kubernetes/restart_pod'],
      assessedAt: ASSESSED_AT,
      combined: { succeeded: 3, failed: 0, oldestRecordAt: null, latestOutcomes: [] },
      byActionType: {},
      recentRemediationsByActionType: { 'kubernetes/restart_pod': ['prod/rr-a', 'prod/rr-b'] },
    });
    const { assessment } = await ds.persistAssessment(looping);
    expect(assessment).toMatchObject({ status: 'ineffective_loop', ineffectiveLoop: true });
    expect(assessment.recurrence).toEqual([{ actionType: 'kubernetes/restart_pod', remediations: 3 }]);
  });

  it('rejects an out-of-range score, naming the field, and stores nothing', async () => {
    const bad = { ...scored('prod/rr-5', 1, 0), score: 1.5, trend: 'sideways' } as unknown as EffectivenessAssessment;
    const err = await ds.persistAssessment(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataStorageValidationError);
    expect((err as DataStorageValidationError).problems.map((p) => p.path).sort()).toEqual(['$.score', '$.trend']);
    await expect(ds.getAssessment('prod/rr-5')).resolves.toBeNull();
  });

  it('stores a remediation that executed nothing as no_execution, without score or confidence', async () => {
    const unexecuted = scoreEffectiveness({
      remediationId: 'prod/rr-6',
      target: 'prod/Deployment/web',
      actionTypes: ['kubernetes/restart_pod'],
      assessedAt: ASSESSED_AT,
      combined: { succeeded: 3, failed: 0, oldestRecordAt: null, latestOutcomes: [] },
      byActionType: {},
      recentRemediationsByActionType: {},
      executedActions: 0,
    });
    const { assessment } = await ds.persistAssessment(unexecuted);
    expect(assessment).toMatchObject({ status: 'no_execution', score: null, confidence: null, ineffectiveLoop: false });
    await expect(ds.getAssessment('prod/rr-6')).resolves.toEqual(assessment);
  });

  it.each([
    ['a no_execution assessment with a score', { status: 'no_execution' }, '$.score'],
    ['a scored status without a score', { score: null, confidence: null }, '$.score'],
    ['a score without a confidence', { confidence: null }, '$.confidence'],
  ])('rejects %s, naming the field', async (_label, change, path) => {
    const bad = { ...scored('prod/rr-7', 1, 0), ...change } as unknown as EffectivenessAssessment;
    const err = await ds.persistAssessment(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataStorageValidationError);
    expect((err as DataStorageValidationError).problems.map((p) => p.path)).toEqual([path]);
    await expect(ds.getAssessment('prod/rr-7')).resolves.toBeNull();
  });

  it('keeps scores and no_execution apart in the table itself (a write that skips the repository)', async () => {
    const insert = (status: string, score: number | null) =>
      db.pool.query(
        `INSERT INTO effectiveness_assessments (remediation_id, target, action_types, status, ineffective_loop, score,
           confidence, trend, sample_size, data_age_ms, window_since, window_until, assessed_at)
         VALUES ($1, 'prod/Deployment/web', '{}', $2, false, $3, $3, 'stable', 0, 0, now(), now(), now())`,
        [`prod/raw-${status}`, status, score],
      );
    await expect(insert('no_execution', 0.5)).rejects.toThrow(/effectiveness_assessments_unscored_check/);
    await expect(insert('assessed', null)).rejects.toThrow(/effectiveness_assessments_unscored_check/);
  });

  it('returns null for a remediation never assessed', async () => {
    await expect(ds.getAssessment('prod/never')).resolves.toBeNull();
  });
});
