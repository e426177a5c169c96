/**
 * Effectiveness assessments: one per remediation, written once.
 *
 * A second write for the same remediation keeps the FIRST assessment and returns it with
 * `created: false`. The assessment workflow is the only writer and its id is derived from the
 * remediation, so a second write can only be a retried activity or a duplicate signal: keeping the
 * first makes the stored result exactly-once whatever the retries, and the caller still learns what is
 * stored.
 */
import { NO_EXECUTION, type ScoredAssessment, type UnexecutedAssessment } from '../domain/effectiveness/scoring';
import type { Queryable } from './partitions';
import type { PersistAssessmentResult, StoredAssessment, ValidEffectivenessAssessment } from './records';

interface AssessmentRow {
  remediation_id: string;
  target: string;
  action_types: string[];
  status: StoredAssessment['status'];
  ineffective_loop: boolean;
  score: number | null;
  confidence: number | null;
  trend: StoredAssessment['trend'];
  sample_size: number;
  data_age_ms: string;
  window_since: Date;
  window_until: Date;
  recurrence: StoredAssessment['recurrence'];
  per_action_type: StoredAssessment['byActionType'];
  assessed_at: Date;
  created_at: Date;
}

type Scoring =
  | Pick<ScoredAssessment, 'status' | 'score' | 'confidence'>
  | Pick<UnexecutedAssessment, 'status' | 'score' | 'confidence'>;

/** The table's check constraint keeps score and confidence null exactly for no_execution. */
function scoringOf(r: AssessmentRow): Scoring {
  if (r.status === NO_EXECUTION || r.score === null || r.confidence === null) {
    return { status: NO_EXECUTION, score: null, confidence: null };
  }
  return { status: r.status, score: r.score, confidence: r.confidence };
}

function toStoredAssessment(r: AssessmentRow): StoredAssessment {
  const scoring = scoringOf(r);
  return {
    remediationId: r.remediation_id,
    target: r.target,
    actionTypes: r.action_types,
    assessedAt: r.assessed_at.toISOString(),
    window: { since: r.window_since.toISOString(), until: r.window_until.toISOString() },
    ...scoring,
    ineffectiveLoop: r.ineffective_loop,
    trend: r.trend,
    sampleSize: r.sample_size,
    dataAgeMs: Number(r.data_age_ms),
    recurrence: r.recurrence,
    byActionType: r.per_action_type,
    createdAt: r.created_at.toISOString(),
  };
}

const INSERT_SQL = `
WITH written AS (
  INSERT INTO effectiveness_assessments (
    remediation_id, target, action_types, status, ineffective_loop, score, confidence, trend,
    sample_size, data_age_ms, window_since, window_until, recurrence, per_action_type, assessed_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
  ON CONFLICT (remediation_id) DO NOTHING
  RETURNING *
)
SELECT true AS created, * FROM written
UNION ALL
SELECT false AS created, * FROM effectiveness_assessments
WHERE remediation_id = $1 AND NOT EXISTS (SELECT 1 FROM written)`;

/** One remediation's assessment; exported so the benchmark can EXPLAIN exactly what runs. */
export const SELECT_ASSESSMENT_SQL = 'SELECT * FROM effectiveness_assessments WHERE remediation_id = $1';

export async function insertAssessment(
  db: Queryable,
  a: ValidEffectivenessAssessment,
): Promise<PersistAssessmentResult> {
  const ineffectiveLoop = a.status === 'ineffective_loop' || a.recurrence.length > 0;
  const { rows } = await db.query<AssessmentRow & { created: boolean } & Record<string, unknown>>(INSERT_SQL, [
    a.remediationId,
    a.target,
    a.actionTypes,
    a.status,
    ineffectiveLoop,
    a.score,
    a.confidence,
    a.trend,
    a.sampleSize,
    a.dataAgeMs,
    a.window.since,
    a.window.until,
    JSON.stringify(a.recurrence),
    JSON.stringify(a.byActionType),
    a.assessedAt,
  ]);
  const row = rows[0];
  if (row) return { created: row.created, assessment: toStoredAssessment(row) };
  // A concurrent writer committed after this statement's snapshot was taken: its row is the first one.
  const stored = await selectAssessment(db, a.remediationId);
  if (!stored) throw new Error(`assessment of ${a.remediationId} neither inserted nor found`);
  return { created: false, assessment: stored };
}

export async function selectAssessment(db: Queryable, remediationId: string): Promise<StoredAssessment | null> {
  const { rows } = await db.query<AssessmentRow & Record<string, unknown>>(SELECT_ASSESSMENT_SQL, [remediationId]);
  return rows[0] ? toStoredAssessment(rows[0]) : null;
}

// Listed, not *: the search statements are prepared, and a prepared statement whose result columns change
// under it (a later migration adding a column) fails instead of replanning.
const ASSESSMENT_COLUMNS = [
  'remediation_id',
  'target',
  'action_types',
  'status',
  'ineffective_loop',
  'score',
  'confidence',
  'trend',
  'sample_size',
  'data_age_ms',
  'window_since',
  'window_until',
  'recurrence',
  'per_action_type',
  'assessed_at',
  'created_at',
].join(', ');

export interface AssessmentFilter {
  /** Window on the assessment time, half-open [since, until). */
  since: Date;
  until: Date;
  target?: string;
  remediationId?: string;
  statuses?: StoredAssessment['status'][];
  trends?: StoredAssessment['trend'][];
  /** Assessments that covered this action type. */
  actionType?: string;
}

/** Where the previous page ended: assessment time in µs since the epoch, and the remediation id. */
export interface AssessmentPosition {
  assessedUs: string;
  remediationId: string;
}

export interface AssessmentSearch extends AssessmentFilter {
  limit: number;
  after?: AssessmentPosition;
}

/**
 * Newest assessed first (ties by remediation id), driven by `effectiveness_assessments_target_idx` when a
 * target is given and by `effectiveness_assessments_assessed_at_idx` otherwise; every other filter is
 * checked on the rows the index walk yields. One prepared statement per filter combination.
 */
export function assessmentSearchStatement(s: AssessmentSearch): { name: string; text: string; values: unknown[] } {
  const values: unknown[] = [s.since, s.until, s.limit + 1];
  const param = (v: unknown) => `$${values.push(v)}`;
  const where = ['assessed_at >= $1', 'assessed_at < $2'];
  const key: string[] = [];
  const add = (flag: string, predicate: string) => {
    where.push(predicate);
    key.push(flag);
  };
  if (s.target !== undefined) add('t', `target = ${param(s.target)}`);
  if (s.remediationId !== undefined) add('r', `remediation_id = ${param(s.remediationId)}`);
  if (s.statuses !== undefined) add('s', `status = ANY(${param(s.statuses)}::text[])`);
  if (s.trends !== undefined) add('d', `trend = ANY(${param(s.trends)}::text[])`);
  if (s.actionType !== undefined) add('a', `${param(s.actionType)}::text = ANY(action_types)`);
  if (s.after !== undefined) {
    const at = `('epoch'::timestamptz + ${param(s.after.assessedUs)}::bigint * interval '1 microsecond')`;
    const id = param(s.after.remediationId);
    where.push(`assessed_at <= ${at}`, `(assessed_at, remediation_id) < (${at}, ${id}::text)`);
    key.push('c');
  }
  return {
    name: `kubernaut_assessments_${key.join('_') || 'all'}`,
    text: `
      SELECT ${ASSESSMENT_COLUMNS}, (extract(epoch FROM assessed_at) * 1000000)::bigint::text AS assessed_us
      FROM effectiveness_assessments
      WHERE ${where.join(' AND ')}
      ORDER BY assessed_at DESC, remediation_id DESC
      LIMIT $3`,
    values,
  };
}

export interface FoundAssessment {
  assessment: StoredAssessment;
  position: AssessmentPosition;
}

/** Up to `limit + 1` assessments newest first (the extra one tells whether another page exists). */
export async function selectAssessments(db: Queryable, s: AssessmentSearch): Promise<FoundAssessment[]> {
  const { rows } = await db.query<AssessmentRow & { assessed_us: string } & Record<string, unknown>>(
    assessmentSearchStatement(s),
  );
  return rows.map((r) => ({
    assessment: toStoredAssessment(r),
    position: { assessedUs: r.assessed_us, remediationId: r.remediation_id },
  }));
}
