/**
 * EXPLAIN (ANALYZE, BUFFERS) of the query behind each Data Storage API endpoint, on the benchmark's
 * database: the plans show which index each one uses and how many rows it touches at 10M records.
 * The statements are the API's own (built by the same functions), with typical parameters, explained on
 * their generic plans as the API runs them.
 */
import type { Pool } from 'pg';
import { searchStatement, workflowExecutionDocumentsStatement } from '../../src/datastorage/action-record-search';
import { assessmentSearchStatement, SELECT_ASSESSMENT_SQL } from '../../src/datastorage/assessments';
import { dailyOutcomesStatement } from '../../src/datastorage/daily-outcomes';
import { statisticsWindow } from '../../src/datastorage-api/statistics';

const DAY_MS = 86_400_000;

export interface ExplainInputs {
  actionType: string;
  target: string;
  namespace: string;
  remediationId: string;
  wfeUid: string;
  assessmentTarget: string;
}

/** A value's text form as PostgreSQL reads it (arrays in its array syntax). */
function literal(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return `{${v.map((e) => `"${String(e).replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
  return String(v);
}

export async function explainApiQueries(pool: Pool, i: ExplainInputs): Promise<Record<string, string[]>> {
  const until = new Date();
  const since = new Date(until.getTime() - 90 * DAY_MS);
  const page = { since, until, limit: 100 };
  const window = statisticsWindow(until.toISOString().slice(0, 10), 90);
  const statements: Record<string, { text: string; values: unknown[] }> = {
    'GET /action-records?actionType (90 days, first page of 100)': searchStatement({
      ...page,
      actionTypes: [i.actionType],
    }),
    'GET /action-records?target (90 days, first page of 100)': searchStatement({ ...page, target: i.target }),
    'GET /action-records?target&actionType': searchStatement({
      ...page,
      target: i.target,
      actionTypes: [i.actionType],
    }),
    'GET /action-records (no filter, 90 days)': searchStatement(page),
    'GET /action-records?status=failed (90 days)': searchStatement({ ...page, statuses: ['failed'] }),
    'GET /action-records?namespace (90 days)': searchStatement({ ...page, namespace: i.namespace }),
    'GET /action-records?remediationId': searchStatement({ ...page, remediationId: i.remediationId }),
    'GET /workflow-executions/{uid}/action-records': workflowExecutionDocumentsStatement(i.wfeUid),
    'GET /action-statistics?actionType (90 days)': dailyOutcomesStatement({ ...window, actionTypes: [i.actionType] }),
    'GET /action-statistics (every action type, 90 days)': dailyOutcomesStatement(window),
    'GET /action-statistics?target (90 days)': dailyOutcomesStatement({ ...window, target: i.target }),
    'GET /effectiveness-assessments?target': assessmentSearchStatement({ ...page, target: i.assessmentTarget }),
    'GET /effectiveness-assessments (no filter)': assessmentSearchStatement(page),
    'GET /remediations/{ns}/{name}/effectiveness-assessment': {
      text: SELECT_ASSESSMENT_SQL,
      values: [i.remediationId],
    },
  };
  const plans: Record<string, string[]> = {};
  // The plan that runs: the API's sessions run named statements on their generic plans
  // (API_DATABASE_SESSION), so each statement is prepared and explained as one.
  const client = await pool.connect();
  try {
    await client.query('SET plan_cache_mode = force_generic_plan');
    for (const [name, s] of Object.entries(statements)) {
      await client.query(`PREPARE kt_explain AS ${s.text}`);
      try {
        // EXPLAIN takes no bind parameters: the values go in as literals, typed by the prepared statement.
        const args = s.values.map((v) => client.escapeLiteral(literal(v))).join(', ');
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE kt_explain${args ? `(${args})` : ''}`,
        );
        plans[name] = rows.map((r) => r['QUERY PLAN']);
      } finally {
        await client.query('DEALLOCATE kt_explain');
      }
    }
  } finally {
    await client.query('RESET plan_cache_mode');
    client.release();
  }
  return plans;
}
