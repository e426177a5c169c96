/**
 * A small, known history to query through the API: WorkflowExecutions spread over the last 30 days in two
 * namespaces, three targets and three action types, with every status, plus assessments. Tests compute
 * what a query must return from `records` / `assessments` (the oracle) and compare with what the API
 * pages out.
 */
import { createDataStorage } from '../../../src/datastorage/repository';
import type { ActionRecord, StoredAssessment } from '../../../src/datastorage/records';
import type { ActionStatus } from '../../../src/domain/action-outcomes';
import { DAY, HOUR, iso, outcome, wfeRecords } from '../../datastorage/fixtures';
import type { TestDatabase } from '../../support/stack';

export const ACTION_TYPES = ['kubernetes/restart_pod', 'kubernetes/scale_deployment', 'gitops/create_pr'];
export const TARGETS = ['prod/Deployment/web', 'prod/Deployment/api', 'staging/StatefulSet/db'];
const FINISHED: ActionStatus[] = ['succeeded', 'succeeded', 'failed', 'cancelled', 'skipped'];

export interface Seeded {
  now: number;
  records: ActionRecord[];
  assessments: StoredAssessment[];
}

export async function seed(db: TestDatabase, wfes = 40): Promise<Seeded> {
  const ds = createDataStorage(db.pool);
  const now = Math.floor(Date.now() / 1000) * 1000;
  for (let i = 0; i < wfes; i++) {
    const namespace = i % 4 === 0 ? 'staging' : 'prod';
    const rows = wfeRecords({
      uid: `uid-${String(i).padStart(3, '0')}`,
      namespace,
      remediationId: `${namespace}/rr-${i % 10}`,
      target: TARGETS[i % TARGETS.length],
      // Several WFEs share a start time, so ties are broken by uid and step.
      executionStartedAt: iso(now - Math.floor(i / 2) * 17 * HOUR - 5 * 60_000),
      steps: [0, 1].map((s) => ({ name: `step-${s}`, actionType: ACTION_TYPES[(i + s) % ACTION_TYPES.length]! })),
    });
    await ds.recordActions(rows);
    // Most WFEs finish; every fifth stays executing.
    if (i % 5 !== 4)
      await ds.completeActions(rows.map((r, s) => outcome(r, FINISHED[(i + s) % FINISHED.length] as never)));
  }
  for (let i = 0; i < 10; i++) {
    await ds.persistAssessment({
      remediationId: `prod/rr-${i}`,
      target: TARGETS[i % TARGETS.length]!,
      actionTypes: [ACTION_TYPES[i % ACTION_TYPES.length]!],
      assessedAt: iso(now - i * DAY - HOUR),
      window: { since: iso(now - 91 * DAY), until: iso(now - i * DAY - HOUR) },
      status: i % 3 === 0 ? 'insufficient_data' : 'assessed',
      score: (i % 10) / 10,
      confidence: 0.5,
      trend: i % 2 === 0 ? 'stable' : 'improving',
      sampleSize: i * 3,
      dataAgeMs: i * DAY,
      recurrence: [],
      byActionType: {},
    });
  }
  // created_at/updated_at carry microseconds; the repository (through pg's Date parsing) and the API
  // (PostgreSQL's to_char) both truncate them to milliseconds, but whole seconds leave no room for float
  // rounding in the oracle.
  await db.pool.query(
    "UPDATE action_records SET created_at = date_trunc('second', created_at), updated_at = date_trunc('second', updated_at)",
  );
  const { rows: wfeUids } = await db.pool.query<{ wfe_uid: string }>('SELECT DISTINCT wfe_uid FROM action_records');
  const records = (await Promise.all(wfeUids.map((r) => ds.getWorkflowExecutionActions(r.wfe_uid)))).flat();
  const assessments = (
    await Promise.all(Array.from({ length: 10 }, (_, i) => ds.getAssessment(`prod/rr-${i}`)))
  ).filter((a): a is StoredAssessment => a !== null);
  return { now, records, assessments };
}

/** Newest execution start first, then uid and step name descending: the API's order. */
export function newestFirst(a: ActionRecord, b: ActionRecord): number {
  const t = Date.parse(b.executionStartedAt) - Date.parse(a.executionStartedAt);
  if (t !== 0) return t;
  if (a.wfeUid !== b.wfeUid) return a.wfeUid < b.wfeUid ? 1 : -1;
  return a.stepName < b.stepName ? 1 : a.stepName > b.stepName ? -1 : 0;
}
