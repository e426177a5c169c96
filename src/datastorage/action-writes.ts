/**
 * The two writes of the action history, each ONE statement (atomic without an explicit transaction,
 * one round trip whatever the number of steps):
 *
 * - recordActions: INSERT … ON CONFLICT DO NOTHING. The first write of a step wins; a retried or
 *   concurrent write of the same (wfe_uid, step_name) changes nothing and raises nothing, and a step
 *   that already finished is never set back to `executing`.
 * - completeActions: INSERT … ON CONFLICT DO UPDATE … WHERE status = 'executing'. Rows only move
 *   forward, executing → succeeded/failed/cancelled/skipped; a finished row is final (the same outcome
 *   again, or a different one, changes nothing). Completion carries the full record, so a completion
 *   that arrives before its record (complete-before-record) inserts the finished row, and the late
 *   recordActions then finds it and does nothing.
 *
 * Both are named (prepared once per connection): they run on every step of every WorkflowExecution,
 * and skipping the parse and plan saves most of a millisecond per call.
 *
 * Rows are written in key order, so two writers of overlapping batches lock rows in the same order and
 * cannot deadlock each other.
 *
 * Both refuse the whole batch when a step is already stored with a different execution start time:
 * the partition key is part of the unique key, so a caller that changed it would otherwise create a
 * second row for the same step in another partition.
 */
import type { Queryable } from './partitions';
import type { ValidExecutingActionRecord, ValidFinishedActionRecord } from './records';

const IDENTITY_COLUMNS = [
  ['wfe_uid', 'text'],
  ['wfe_namespace', 'text'],
  ['wfe_name', 'text'],
  ['remediation_id', 'text'],
  ['remediation_namespace', 'text'],
  ['remediation_name', 'text'],
  ['temporal_workflow_id', 'text'],
  ['temporal_run_id', 'text'],
  ['step_name', 'text'],
  ['action_type', 'text'],
  ['image', 'text'],
  ['inputs', 'jsonb'],
  ['target', 'text'],
  ['execution_started_at', 'timestamptz'],
  ['started_at', 'timestamptz'],
  ['requested_by', 'text'],
] as const;

const OUTCOME_COLUMNS = [
  ['status', 'text'],
  ['completed_at', 'timestamptz'],
  ['duration_ms', 'bigint'],
  ['failure_reason', 'text'],
  ['failure_message', 'text'],
  ['exit_code', 'integer'],
] as const;

const recordsetType = (columns: readonly (readonly [string, string])[]) =>
  columns.map(([c, t]) => `${c} ${t}`).join(', ');
const names = (columns: readonly (readonly [string, string])[]) => columns.map(([c]) => c).join(', ');

/** Steps of the batch already stored under another execution start (same statement snapshot). */
const MOVED_CTE = `moved AS (
  SELECT i.wfe_uid, i.step_name, a.execution_started_at AS stored
  FROM input i
  JOIN action_records a ON a.wfe_uid = i.wfe_uid AND a.step_name = i.step_name
  WHERE a.execution_started_at <> i.execution_started_at
)`;

const RECORD_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${recordsetType(IDENTITY_COLUMNS)})
),
${MOVED_CTE},
written AS (
  INSERT INTO action_records (${names(IDENTITY_COLUMNS)}, status)
  SELECT ${names(IDENTITY_COLUMNS)}, 'executing' FROM input
  WHERE NOT EXISTS (SELECT 1 FROM moved)
  ORDER BY wfe_uid, step_name
  ON CONFLICT (wfe_uid, step_name, execution_started_at) DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM written)::int AS inserted,
       (SELECT coalesce(json_agg(moved), '[]'::json) FROM moved) AS moved`;

const COMPLETE_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(${recordsetType(IDENTITY_COLUMNS)}, ${recordsetType(OUTCOME_COLUMNS)})
),
${MOVED_CTE},
written AS (
  INSERT INTO action_records AS a (${names(IDENTITY_COLUMNS)}, ${names(OUTCOME_COLUMNS)})
  SELECT ${names(IDENTITY_COLUMNS)}, status, completed_at,
         coalesce(duration_ms, greatest(0, round(extract(epoch FROM completed_at - started_at) * 1000))::bigint),
         failure_reason, failure_message, exit_code
  FROM input
  WHERE NOT EXISTS (SELECT 1 FROM moved)
  ORDER BY wfe_uid, step_name
  ON CONFLICT (wfe_uid, step_name, execution_started_at) DO UPDATE SET
    status = excluded.status,
    started_at = coalesce(excluded.started_at, a.started_at),
    completed_at = excluded.completed_at,
    duration_ms = coalesce(excluded.duration_ms,
      greatest(0, round(extract(epoch FROM excluded.completed_at - coalesce(excluded.started_at, a.started_at)) * 1000))::bigint),
    failure_reason = excluded.failure_reason,
    failure_message = excluded.failure_message,
    exit_code = excluded.exit_code,
    -- clock_timestamp(), later than the inserting transaction's now(): created_at = updated_at then
    -- tells a row inserted by this statement from one it updated (xmax is not available on partitions).
    updated_at = clock_timestamp()
  WHERE a.status = 'executing'
  RETURNING (a.created_at = a.updated_at) AS inserted
)
SELECT (SELECT count(*) FROM written WHERE inserted)::int AS inserted,
       (SELECT count(*) FROM written WHERE NOT inserted)::int AS completed,
       (SELECT coalesce(json_agg(moved), '[]'::json) FROM moved) AS moved`;

export interface MovedStep {
  wfeUid: string;
  stepName: string;
  /** The execution start stored for the step (differs from the one sent). */
  storedExecutionStartedAt: string;
}

export interface RecordActionsResult {
  /** Steps newly recorded as executing. */
  inserted: number;
  /** Steps that were already stored (executing or finished) and left as they were. */
  alreadyRecorded: number;
}

export interface CompleteActionsResult {
  /** Steps moved from executing to their outcome. */
  completed: number;
  /** Steps completed before they were recorded: inserted directly with their outcome. */
  insertedFinished: number;
  /** Steps that had already finished: left as they were (a finished record is final). */
  alreadyFinished: number;
}

function identity(row: ValidExecutingActionRecord) {
  return {
    wfe_uid: row.wfeUid,
    wfe_namespace: row.wfeNamespace,
    wfe_name: row.wfeName,
    remediation_id: row.remediationId,
    remediation_namespace: row.remediationNamespace,
    remediation_name: row.remediationName,
    temporal_workflow_id: row.temporalWorkflowId,
    temporal_run_id: row.temporalRunId,
    step_name: row.stepName,
    action_type: row.actionType,
    image: row.image,
    inputs: row.inputs,
    target: row.target,
    execution_started_at: row.executionStartedAt.toISOString(),
    started_at: row.startedAt ? row.startedAt.toISOString() : null,
    requested_by: row.requestedBy ?? null,
  };
}

function movedSteps(moved: { wfe_uid: string; step_name: string; stored: string }[]): MovedStep[] {
  return moved.map((m) => ({
    wfeUid: m.wfe_uid,
    stepName: m.step_name,
    storedExecutionStartedAt: new Date(m.stored).toISOString(),
  }));
}

export async function insertExecuting(
  db: Queryable,
  rows: ValidExecutingActionRecord[],
): Promise<{ result: RecordActionsResult; moved: MovedStep[] }> {
  const { rows: out } = await db.query<{
    inserted: number;
    moved: { wfe_uid: string; step_name: string; stored: string }[];
  }>({ name: 'kubernaut_record_actions', text: RECORD_SQL, values: [JSON.stringify(rows.map(identity))] });
  const { inserted, moved } = out[0]!;
  return {
    result: { inserted, alreadyRecorded: moved.length > 0 ? 0 : rows.length - inserted },
    moved: movedSteps(moved),
  };
}

export async function upsertOutcomes(
  db: Queryable,
  outcomes: ValidFinishedActionRecord[],
): Promise<{ result: CompleteActionsResult; moved: MovedStep[] }> {
  const payload = outcomes.map((o) => ({
    ...identity(o),
    status: o.status,
    completed_at: o.completedAt.toISOString(),
    duration_ms: o.durationMs ?? null,
    failure_reason: o.failureReason ?? null,
    failure_message: o.failureMessage ?? null,
    exit_code: o.exitCode ?? null,
  }));
  const { rows: out } = await db.query<{
    inserted: number;
    completed: number;
    moved: { wfe_uid: string; step_name: string; stored: string }[];
  }>({ name: 'kubernaut_complete_actions', text: COMPLETE_SQL, values: [JSON.stringify(payload)] });
  const { inserted, completed, moved } = out[0]!;
  return {
    result: {
      completed,
      insertedFinished: inserted,
      alreadyFinished: moved.length > 0 ? 0 : outcomes.length - inserted - completed,
    },
    moved: movedSteps(moved),
  };
}
