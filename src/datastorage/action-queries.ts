/**
 * Reads of the action history. Every time window is on execution_started_at (the partition key), so a
 * 90-day query touches only the months it covers; "newest first" means by execution start, ties broken
 * by (wfe_uid, step_name) so pages are stable.
 *
 * Several action types are read with one LATERAL index scan per type, each stopping after `limit`
 * rows, instead of `action_type = ANY(...)` which would have to sort every matching row before the
 * first page could be returned.
 */
import type { Queryable } from './partitions';
import { DataStorageValidationError } from './errors';
import { ACTION_STATUSES, type ActionStatus, type ActionVerdict } from '../domain/action-outcomes';
import type { ActionRecord, ActionStats } from './records';

export interface ActionRecordRow {
  wfe_uid: string;
  wfe_namespace: string;
  wfe_name: string;
  remediation_id: string;
  remediation_namespace: string;
  remediation_name: string;
  temporal_workflow_id: string;
  temporal_run_id: string;
  step_name: string;
  action_type: string;
  image: string;
  inputs: Record<string, unknown>;
  target: string;
  requested_by: string | null;
  status: ActionStatus;
  execution_started_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  duration_ms: string | null;
  failure_reason: string | null;
  failure_message: string | null;
  exit_code: number | null;
  created_at: Date;
  updated_at: Date;
  /** Exact execution start in microseconds since the epoch (for cursors; Dates hold milliseconds). */
  start_us: string;
}

const RECORD_COLUMNS = [
  'wfe_uid',
  'wfe_namespace',
  'wfe_name',
  'remediation_id',
  'remediation_namespace',
  'remediation_name',
  'temporal_workflow_id',
  'temporal_run_id',
  'step_name',
  'action_type',
  'image',
  'inputs',
  'target',
  'requested_by',
  'status',
  'execution_started_at',
  'started_at',
  'completed_at',
  'duration_ms',
  'failure_reason',
  'failure_message',
  'exit_code',
  'created_at',
  'updated_at',
];
// Columns listed, not a.*: the statements are prepared (named), and a prepared statement whose result
// columns change under it (a later migration adding a column) fails instead of replanning.
const SELECT_COLUMNS = `${RECORD_COLUMNS.map((c) => `a.${c}`).join(', ')},
  (extract(epoch FROM a.execution_started_at) * 1000000)::bigint::text AS start_us`;
const NEWEST_FIRST = 'execution_started_at DESC, wfe_uid DESC, step_name DESC';
/** The record columns (alias `a`) plus `start_us`, as every query of records selects them. */
export const RECORD_SELECT_COLUMNS = SELECT_COLUMNS;

export function toActionRecord(r: ActionRecordRow): ActionRecord {
  return {
    wfeUid: r.wfe_uid,
    wfeNamespace: r.wfe_namespace,
    wfeName: r.wfe_name,
    remediationId: r.remediation_id,
    remediationNamespace: r.remediation_namespace,
    remediationName: r.remediation_name,
    temporalWorkflowId: r.temporal_workflow_id,
    temporalRunId: r.temporal_run_id,
    stepName: r.step_name,
    actionType: r.action_type,
    image: r.image,
    inputs: r.inputs,
    target: r.target,
    requestedBy: r.requested_by,
    status: r.status,
    executionStartedAt: r.execution_started_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    completedAt: r.completed_at?.toISOString() ?? null,
    durationMs: r.duration_ms === null ? null : Number(r.duration_ms),
    failureReason: r.failure_reason,
    failureMessage: r.failure_message,
    exitCode: r.exit_code,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** Opaque page cursor: the (execution start in µs, wfe uid, step name) of the last row returned. */
interface Cursor {
  startUs: string;
  wfeUid: string;
  stepName: string;
}

export function encodeCursor(row: ActionRecordRow): string {
  return Buffer.from(JSON.stringify([row.start_us, row.wfe_uid, row.step_name]), 'utf8').toString('base64url');
}

export function decodeCursor(operation: string, cursor: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      typeof value[0] === 'string' &&
      /^-?\d+$/.test(value[0]) &&
      typeof value[1] === 'string' &&
      typeof value[2] === 'string'
    ) {
      return { startUs: value[0], wfeUid: value[1], stepName: value[2] };
    }
  } catch {
    // reported below
  }
  throw new DataStorageValidationError(operation, [
    { path: '$.cursor', message: 'must be a nextCursor returned by a previous getActionHistory call' },
  ]);
}

export interface HistoryParams {
  actionTypes: string[];
  since: Date;
  until: Date;
  target?: string;
  limit: number;
  cursor?: Cursor;
}

/** Up to `limit + 1` rows newest first (the extra row tells whether another page exists). */
export async function selectHistory(db: Queryable, p: HistoryParams): Promise<ActionRecordRow[]> {
  const values: unknown[] = [p.actionTypes, p.since, p.until, p.limit + 1];
  const filters: string[] = [];
  if (p.target !== undefined) {
    values.push(p.target);
    filters.push(`AND a.target = $${values.length}`);
  }
  if (p.cursor) {
    values.push(p.cursor.startUs, p.cursor.wfeUid, p.cursor.stepName);
    const t = `('epoch'::timestamptz + $${values.length - 2}::bigint * interval '1 microsecond')`;
    filters.push(
      `AND a.execution_started_at <= ${t}`,
      `AND (a.execution_started_at, a.wfe_uid, a.step_name) < (${t}, $${values.length - 1}::text, $${values.length}::text)`,
    );
  }
  const sql = `
    SELECT r.* FROM unnest($1::text[]) AS t(action_type)
    CROSS JOIN LATERAL (
      SELECT ${SELECT_COLUMNS} FROM action_records a
      WHERE a.action_type = t.action_type
        AND a.execution_started_at >= $2 AND a.execution_started_at < $3
        ${filters.join('\n        ')}
      ORDER BY ${NEWEST_FIRST}
      LIMIT $4
    ) r
    ORDER BY ${NEWEST_FIRST}
    LIMIT $4`;
  const name = `kubernaut_action_history${p.target === undefined ? '' : '_target'}${p.cursor ? '_cursor' : ''}`;
  const { rows } = await db.query<ActionRecordRow & Record<string, unknown>>({ name, text: sql, values });
  return rows;
}

export interface StatsParams {
  actionTypes: string[];
  since: Date;
  until: Date;
  latestN: number;
}

/**
 * Counts come from action_record_daily_counts for the whole UTC days inside the window and from
 * action_records for the partial days at its two ends ($5..$8, computed by `statsDays`), so the cost
 * does not grow with the number of records. Oldest record and latest verdicts are short index scans.
 */
const STATS_SQL = `
WITH counts AS (
  SELECT status, sum(n)::bigint AS n FROM (
    SELECT status, records AS n FROM action_record_daily_counts
    WHERE action_type = ANY($1::text[]) AND day >= $5::date AND day < $6::date
    UNION ALL
    SELECT status, 1 FROM action_records
    WHERE action_type = ANY($1::text[]) AND execution_started_at >= $2 AND execution_started_at < $7
    UNION ALL
    SELECT status, 1 FROM action_records
    WHERE action_type = ANY($1::text[]) AND execution_started_at >= $8 AND execution_started_at < $3
  ) c
  GROUP BY status
),
oldest AS (
  SELECT min(first_start) AS oldest
  FROM unnest($1::text[]) AS t(action_type)
  CROSS JOIN LATERAL (
    SELECT min(a.execution_started_at) AS first_start FROM action_records a
    WHERE a.action_type = t.action_type AND a.execution_started_at >= $2 AND a.execution_started_at < $3
  ) m
),
latest AS (
  SELECT r.status, r.execution_started_at, r.wfe_uid, r.step_name
  FROM unnest($1::text[]) AS t(action_type)
  CROSS JOIN LATERAL (
    SELECT a.status, a.execution_started_at, a.wfe_uid, a.step_name FROM action_records a
    WHERE a.action_type = t.action_type
      AND a.execution_started_at >= $2 AND a.execution_started_at < $3
      AND a.status IN ('succeeded', 'failed')
    ORDER BY ${NEWEST_FIRST}
    LIMIT $4
  ) r
  ORDER BY ${NEWEST_FIRST}
  LIMIT $4
)
SELECT (SELECT coalesce(json_object_agg(status, n), '{}'::json) FROM counts) AS counts,
       (SELECT oldest FROM oldest) AS oldest,
       (SELECT coalesce(json_agg(status ORDER BY ${NEWEST_FIRST}), '[]'::json) FROM latest) AS latest`;

const DAY_MS = 86_400_000;

/**
 * Splits [since, until) into whole UTC days [firstDay, endDay) read from the daily counts, and the
 * partial days [since, headEnd) and [tailStart, until) read from the records. Without a whole day in
 * the window, everything is read from the records.
 */
export function statsDays(since: Date, until: Date) {
  const firstDay = Math.ceil(since.getTime() / DAY_MS) * DAY_MS;
  const endDay = Math.floor(until.getTime() / DAY_MS) * DAY_MS;
  if (firstDay >= endDay) {
    return { firstDay: '1970-01-01', endDay: '1970-01-01', headEnd: until, tailStart: until };
  }
  const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { firstDay: date(firstDay), endDay: date(endDay), headEnd: new Date(firstDay), tailStart: new Date(endDay) };
}

export async function selectStats(db: Queryable, p: StatsParams): Promise<ActionStats> {
  const d = statsDays(p.since, p.until);
  const { rows } = await db.query<{
    counts: Partial<Record<ActionStatus, number | string>>;
    oldest: Date | null;
    latest: ActionVerdict[];
  }>({
    name: 'kubernaut_action_stats',
    text: STATS_SQL,
    values: [p.actionTypes, p.since, p.until, p.latestN, d.firstDay, d.endDay, d.headEnd, d.tailStart],
  });
  const { counts: stored, oldest, latest } = rows[0]!;
  const counts = Object.fromEntries(ACTION_STATUSES.map((s) => [s, Number(stored[s] ?? 0)])) as Record<
    ActionStatus,
    number
  >;
  return {
    actionTypes: p.actionTypes,
    since: p.since.toISOString(),
    until: p.until.toISOString(),
    counts,
    total: Object.values(counts).reduce((sum, n) => sum + n, 0),
    succeeded: counts.succeeded,
    failed: counts.failed,
    oldestRecordAt: oldest === null ? null : oldest.toISOString(),
    latestOutcomes: latest,
  };
}

export interface RecentByTargetParams {
  target: string;
  actionType: string;
  since: Date;
  until: Date;
  limit: number;
}

export async function selectRecentByTarget(db: Queryable, p: RecentByTargetParams): Promise<ActionRecordRow[]> {
  const { rows } = await db.query<ActionRecordRow & Record<string, unknown>>({
    name: 'kubernaut_recent_by_target',
    text: `SELECT ${SELECT_COLUMNS} FROM action_records a
     WHERE a.target = $1 AND a.action_type = $2 AND a.execution_started_at >= $3 AND a.execution_started_at < $4
     ORDER BY ${NEWEST_FIRST}
     LIMIT $5`,
    values: [p.target, p.actionType, p.since, p.until, p.limit],
  });
  return rows;
}

/** Every step of one WorkflowExecution, in step-name order (served by the primary key). */
export async function selectByWorkflowExecution(db: Queryable, wfeUid: string): Promise<ActionRecordRow[]> {
  const { rows } = await db.query<ActionRecordRow & Record<string, unknown>>(
    `SELECT ${SELECT_COLUMNS} FROM action_records a WHERE a.wfe_uid = $1 ORDER BY a.step_name`,
    [wfeUid],
  );
  return rows;
}

/** Every step a remediation ran (all its WFEs), newest first. */
export async function selectByRemediation(db: Queryable, remediationId: string): Promise<ActionRecordRow[]> {
  const { rows } = await db.query<ActionRecordRow & Record<string, unknown>>(
    `SELECT ${SELECT_COLUMNS} FROM action_records a WHERE a.remediation_id = $1 ORDER BY ${NEWEST_FIRST}`,
    [remediationId],
  );
  return rows;
}
