/**
 * The benchmark's synthetic action history, generated inside PostgreSQL (INSERT … SELECT over
 * generate_series: no rows cross the network, so the load measures the table and its indexes).
 *
 * Shape: WorkflowExecutions of 5 steps each, execution starts spread evenly over the last `days` days
 * (newest first), `actionTypes` action types, `targets` targets, and a status mix close to a healthy
 * production history: 85% succeeded, 8% failed, 3% cancelled, 3% skipped, 1% still executing.
 * Everything derives from the row number with integer hashing, so a given N always produces the same
 * data.
 */
import type { Pool } from 'pg';

export interface DatasetShape {
  rows: number;
  days: number;
  actionTypes: number;
  targets: number;
  stepsPerWfe: number;
}

export const DEFAULT_SHAPE: DatasetShape = {
  rows: 10_000_000,
  days: 180,
  actionTypes: 50,
  targets: 10_000,
  stepsPerWfe: 5,
};

export function actionTypeName(n: number): string {
  return `kubernetes/action_${String(n).padStart(2, '0')}`;
}

/**
 * Rows [first, last] (1-based row numbers) of the dataset, in one statement. Per-WFE values (uid,
 * namespace, start) are computed once per WFE and per-action-type values (image) once per type, so
 * generating a row costs little next to inserting it.
 */
function chunkSql(shape: DatasetShape): string {
  const wfes = Math.ceil(shape.rows / shape.stepsPerWfe);
  const k = shape.stepsPerWfe;
  // $1 = first row number, $2 = last row number, $3 = the load's "now".
  return `
WITH types AS (
  SELECT n, 'kubernetes/action_' || lpad(n::text, 2, '0') AS action_type,
         'ghcr.io/kubernaut/actions/action_' || lpad(n::text, 2, '0') || '@sha256:' || md5(n::text) || md5(n::text || 'x') AS image
  FROM generate_series(0, ${shape.actionTypes - 1}) AS n
),
w AS (
  SELECT w, md5(w::text)::uuid::text AS uid, 'ns-' || (w % 100) AS ns,
         $3::timestamptz - make_interval(secs => (w::float8 / ${wfes}) * ${shape.days * 86400}) AS exec_start
  FROM generate_series(($1::bigint - 1) / ${k}, ($2::bigint - 1) / ${k}) AS w
),
g AS (
  SELECT w.*, s.step, w.w * ${k} + s.step + 1 AS i
  FROM w CROSS JOIN generate_series(0, ${k - 1}) AS s(step)
  WHERE w.w * ${k} + s.step + 1 BETWEEN $1 AND $2
),
r AS (
  SELECT g.*, t.action_type, t.image,
         1000 + (g.i * 104729) % 60000 AS dur,
         CASE
           WHEN ((g.i * 2654435761) % 4294967296) % 100 < 85 THEN 'succeeded'
           WHEN ((g.i * 2654435761) % 4294967296) % 100 < 93 THEN 'failed'
           WHEN ((g.i * 2654435761) % 4294967296) % 100 < 96 THEN 'cancelled'
           WHEN ((g.i * 2654435761) % 4294967296) % 100 < 99 THEN 'skipped'
           ELSE 'executing'
         END AS status
  FROM g JOIN types t ON t.n = (g.i * 7919) % ${shape.actionTypes}
)
INSERT INTO action_records (
  wfe_uid, wfe_namespace, wfe_name, remediation_id, remediation_namespace, remediation_name,
  temporal_workflow_id, temporal_run_id, step_name, action_type, image, inputs, target, status,
  execution_started_at, started_at, completed_at, duration_ms, failure_reason, failure_message, exit_code)
SELECT
  r.uid, r.ns, 'wfe-' || r.w, r.ns || '/rr-' || r.w, r.ns, 'rr-' || r.w,
  'wfe/' || r.ns || '/wfe-' || r.w || '/' || r.uid, r.uid, 'step-' || r.step, r.action_type, r.image,
  jsonb_build_object('namespace', r.ns, 'replicas', r.i % 5, 'reason', 'benchmark'),
  r.ns || '/Deployment/app-' || (r.w % ${shape.targets}),
  r.status,
  r.exec_start,
  CASE WHEN r.status = 'skipped' THEN NULL ELSE r.exec_start + r.step * interval '10 seconds' END,
  CASE WHEN r.status = 'executing' THEN NULL ELSE r.exec_start + r.step * interval '10 seconds' + r.dur * interval '1 millisecond' END,
  CASE WHEN r.status IN ('executing', 'skipped') THEN NULL ELSE r.dur END,
  CASE WHEN r.status = 'failed' THEN 'TaskFailed' END,
  CASE WHEN r.status = 'failed' THEN 'step exited with code 1' END,
  CASE WHEN r.status = 'failed' THEN 1 END
FROM r`;
}

export interface LoadResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

/**
 * Loads the dataset in chunks on `parallel` connections (chunks are time-ordered, so each touches one or
 * two partitions). Reports progress through `log`.
 */
export async function loadDataset(
  pool: Pool,
  shape: DatasetShape,
  now: Date,
  opts: { chunkRows?: number; parallel?: number; log?: (m: string) => void } = {},
): Promise<LoadResult> {
  const chunkRows = opts.chunkRows ?? 250_000;
  const parallel = opts.parallel ?? 2;
  const sql = chunkSql(shape);
  const chunks: [number, number][] = [];
  for (let first = 1; first <= shape.rows; first += chunkRows) {
    chunks.push([first, Math.min(shape.rows, first + chunkRows - 1)]);
  }
  const started = process.hrtime.bigint();
  let next = 0;
  let done = 0;
  async function worker(): Promise<void> {
    for (;;) {
      const chunk = chunks[next++];
      if (!chunk) return;
      await pool.query(sql, [chunk[0], chunk[1], now]);
      done += chunk[1] - chunk[0] + 1;
      const s = Number(process.hrtime.bigint() - started) / 1e9;
      opts.log?.(
        `loaded ${done.toLocaleString('en')} / ${shape.rows.toLocaleString('en')} rows (${Math.round(done / s).toLocaleString('en')} rows/s)`,
      );
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rows: shape.rows, seconds, rowsPerSecond: shape.rows / seconds };
}

/**
 * `count` effectiveness assessments, one per remediation of the dataset's WorkflowExecutions (the same
 * remediation ids and targets), assessed one minute apart going back from now.
 */
export async function loadAssessments(pool: Pool, shape: DatasetShape, count: number): Promise<void> {
  await pool.query(
    `INSERT INTO effectiveness_assessments (
       remediation_id, target, action_types, status, ineffective_loop, score, confidence, trend, sample_size,
       data_age_ms, window_since, window_until, recurrence, per_action_type, assessed_at)
     SELECT 'ns-' || (w % 100) || '/rr-' || w, 'ns-' || (w % 100) || '/Deployment/app-' || (w % ${shape.targets}),
            ARRAY['kubernetes/action_' || lpad((w % ${shape.actionTypes})::text, 2, '0')],
            CASE WHEN w % 10 = 0 THEN 'insufficient_data' ELSE 'assessed' END, false,
            (w % 100) / 100.0, 0.8, 'stable', 100, 0, now() - interval '90 days', now(), '[]', '{}',
            now() - make_interval(secs => w * 60)
     FROM generate_series(1, $1::int) AS w`,
    [count],
  );
}
