/**
 * Action records by any combination of filters, newest first, one keyset page at a time: the query
 * behind the Data Storage API's history endpoint.
 *
 * Which index drives the query is decided here, from the filters, rather than left to one statement
 * with optional predicates (whose generic plan would be poor for every combination):
 *
 * | filters given                     | how                                                                       |
 * | --------------------------------- | ------------------------------------------------------------------------- |
 * | remediation                       | `action_records_remediation_idx` (a remediation has a handful of records) |
 * | namespace (no remediation)        | `action_records_namespace_time_idx`, newest first                         |
 * | target, no action type            | the target's entries of `(target, action_type, time)`, index only         |
 * | anything else (or nothing)        | one index scan per action type, each stopping after `limit` rows, merged  |
 *
 * A target without action types: the start of the page's last row is the `limit`-th newest start among
 * the target's index entries in the window (the index carries status, so no table page is read), then
 * only the records from that start on are fetched. The cost follows the target's records in the window
 * — as its statistics' do — not the number of action types: a target with 500 records over 50 types read
 * 189 buffers at 10M rows instead of 1,183 for 50 merged scans; a target with 26,000 (a remediation every
 * 5 minutes for 90 days) takes ~18 ms against ~4 ms merged (src/datastorage-api/README.md, "Queries").
 *
 * The last row is the existing history strategy (action-queries.ts) generalised: the action types are
 * those asked for, or every action type that has records at all — read with a loose index scan of
 * `action_record_daily_counts` (one probe per distinct type, not one row per day) — and each type's scan
 * uses `(target, action_type, time)` when a target is given, `(action_type, time)` otherwise. A status
 * filter is applied inside each scan. When more than one action type is merged, the start of the page's
 * last row is found first from those indexes alone (both carry status), so that each scan fetches only
 * rows from there on, not types × page size rows from the table.
 *
 * Every time window is on execution_started_at (the partition key): only the months it covers are read.
 * The position of a page's last row continues the next page: (execution start in µs, wfe uid, step).
 *
 * A page comes back as the text of a JSON array of documents built by PostgreSQL, in the API's
 * ActionRecord shape (the same as toActionRecord's), for the page's rows only, in one row: the API splices
 * it into its answer without parsing 24 columns and 7 timestamps per record and serialising them again
 * (at a page of 100 that was most of the API's CPU per request), nor receiving 100 rows.
 */
import { RECORD_SELECT_COLUMNS } from './action-queries';
import type { Queryable } from './partitions';
import type { ActionStatus } from '../domain/action-outcomes';

export interface ActionRecordFilter {
  /** Window on the execution start, half-open [since, until). */
  since: Date;
  until: Date;
  /** Any of these action types. */
  actionTypes?: string[];
  /** Any of these statuses. */
  statuses?: ActionStatus[];
  target?: string;
  /** Namespace of the WorkflowExecution. */
  namespace?: string;
  remediationId?: string;
}

/** Where the previous page ended: the sort key of its last row. */
export interface RecordPosition {
  /** Execution start in microseconds since the epoch, as a decimal string. */
  startUs: string;
  wfeUid: string;
  stepName: string;
}

export interface ActionRecordSearch extends ActionRecordFilter {
  limit: number;
  after?: RecordPosition;
}

export type SearchStrategy = 'remediation' | 'namespace' | 'target' | 'per-action-type';

export function searchStrategy(f: ActionRecordFilter): SearchStrategy {
  if (f.remediationId !== undefined) return 'remediation';
  if (f.namespace !== undefined) return 'namespace';
  if (f.target !== undefined && f.actionTypes === undefined) return 'target';
  return 'per-action-type';
}

const NEWEST_FIRST = 'execution_started_at DESC, wfe_uid DESC, step_name DESC';

/** RFC 3339 in UTC with milliseconds, as Date.toISOString writes it (both truncate microseconds). */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** How a column becomes a JSON value (`?`: may be NULL). */
type JsonFrom = 'text' | 'text?' | 'timestamp' | 'timestamp?' | 'number?' | 'jsonb';

/** The ActionRecord's fields in order, each with its column. */
const RECORD_FIELDS: readonly [field: string, column: string, from: JsonFrom][] = [
  ['wfeUid', 'wfe_uid', 'text'],
  ['wfeNamespace', 'wfe_namespace', 'text'],
  ['wfeName', 'wfe_name', 'text'],
  ['remediationId', 'remediation_id', 'text'],
  ['remediationNamespace', 'remediation_namespace', 'text'],
  ['remediationName', 'remediation_name', 'text'],
  ['temporalWorkflowId', 'temporal_workflow_id', 'text'],
  ['temporalRunId', 'temporal_run_id', 'text'],
  ['stepName', 'step_name', 'text'],
  ['actionType', 'action_type', 'text'],
  ['image', 'image', 'text'],
  ['inputs', 'inputs', 'jsonb'],
  ['target', 'target', 'text'],
  ['requestedBy', 'requested_by', 'text?'],
  ['status', 'status', 'text'],
  ['executionStartedAt', 'execution_started_at', 'timestamp'],
  ['startedAt', 'started_at', 'timestamp?'],
  ['completedAt', 'completed_at', 'timestamp?'],
  ['durationMs', 'duration_ms', 'number?'],
  ['failureReason', 'failure_reason', 'text?'],
  ['failureMessage', 'failure_message', 'text?'],
  ['exitCode', 'exit_code', 'number?'],
  ['createdAt', 'created_at', 'timestamp'],
  ['updatedAt', 'updated_at', 'timestamp'],
];

function jsonValue(column: string, from: JsonFrom): string {
  switch (from) {
    case 'text':
      return `to_json(${column})::text`; // a JSON string, escaped by PostgreSQL
    case 'text?':
      return `coalesce(to_json(${column})::text, 'null')`;
    case 'timestamp':
      return `'"' || ${iso(column)} || '"'`;
    case 'timestamp?':
      return `coalesce('"' || ${iso(column)} || '"', 'null')`;
    case 'number?':
      return `coalesce(${column}::text, 'null')`;
    case 'jsonb':
      return `${column}::text`;
  }
}

/**
 * One record of `t` (RECORD_SELECT_COLUMNS) as the JSON text of an ActionRecord, concatenated field by
 * field: json_build_object cost a third more (it looks up every argument's type for every row), and a
 * page's JSON is about half of PostgreSQL's time for a history page.
 */
export const recordDocument = (t: string) =>
  `(${RECORD_FIELDS.map(([field, column, from], i) => `'${i === 0 ? '{' : ','}"${field}":' || ${jsonValue(`${t}.${column}`, from)}`).join(' || ')} || '}')`;

/**
 * A page as PostgreSQL returns it, in one row: its records as the text of a JSON array, and the sort key
 * of its last record when another page follows (all null on the last page).
 */
interface RecordDocumentPageRow {
  documents: string;
  /** Rows the scan returned: `limit + 1` when another page follows. */
  found: number;
  start_us: string | null;
  wfe_uid: string | null;
  step_name: string | null;
}

/** A page of records as the text of a JSON array, and where the next page starts (absent on the last). */
export interface RecordDocumentPage {
  documents: string;
  next?: RecordPosition;
}

/** Every action type that has records, one index probe per type (a "loose index scan"). */
const ALL_ACTION_TYPES = `
  WITH RECURSIVE types(action_type) AS (
    (SELECT action_type FROM action_record_daily_counts ORDER BY action_type LIMIT 1)
    UNION ALL
    SELECT (SELECT c.action_type FROM action_record_daily_counts c
            WHERE c.action_type > t.action_type ORDER BY c.action_type LIMIT 1)
    FROM types t WHERE t.action_type IS NOT NULL
  )
  SELECT action_type FROM types WHERE action_type IS NOT NULL`;

/** The SQL text and values of one search; exported so the benchmark can EXPLAIN exactly what runs. */
export function searchStatement(s: ActionRecordSearch): { name: string; text: string; values: unknown[] } {
  const values: unknown[] = [s.since, s.until, s.limit + 1];
  const param = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  const strategy = searchStrategy(s);
  // Filters every strategy applies (the driving one is repeated harmlessly: the planner folds it in).
  const where = ['a.execution_started_at >= $1', 'a.execution_started_at < $2'];
  const key: string[] = [strategy];
  if (s.remediationId !== undefined) {
    where.push(`a.remediation_id = ${param(s.remediationId)}`);
    key.push('r');
  }
  if (s.namespace !== undefined) {
    where.push(`a.wfe_namespace = ${param(s.namespace)}`);
    key.push('n');
  }
  // What the cutoff of a merge over several action types reads (see below): its indexes carry all of it.
  const cutoffWhere = ['c.execution_started_at >= $1', 'c.execution_started_at < $2'];
  if (s.target !== undefined) {
    const target = param(s.target);
    where.push(`a.target = ${target}`);
    cutoffWhere.push(`c.target = ${target}`);
    key.push('t');
  }
  if (s.statuses !== undefined) {
    const statuses = param(s.statuses);
    where.push(`a.status = ANY(${statuses}::text[])`);
    cutoffWhere.push(`c.status = ANY(${statuses}::text[])`);
    key.push('s');
  }
  if (s.after !== undefined) {
    const start = `('epoch'::timestamptz + ${param(s.after.startUs)}::bigint * interval '1 microsecond')`;
    // Strictly before the position's start: a subset of the rows after the position, so the cutoff
    // found there is never later than the page's true last start (a page may read a few rows more).
    cutoffWhere.push(`c.execution_started_at < ${start}`);
    const uid = param(s.after.wfeUid);
    const step = param(s.after.stepName);
    // The first predicate lets the index scan start at the position; the second breaks ties exactly.
    where.push(
      `a.execution_started_at <= ${start}`,
      `(a.execution_started_at, a.wfe_uid, a.step_name) < (${start}, ${uid}::text, ${step}::text)`,
    );
    key.push('c');
  }
  let text: string;
  if (strategy === 'per-action-type') {
    let types: string;
    if (s.actionTypes !== undefined) {
      types = `SELECT unnest(${param(s.actionTypes)}::text[]) AS action_type`;
      key.push('a');
    } else {
      types = ALL_ACTION_TYPES;
    }
    if (s.actionTypes === undefined || s.actionTypes.length > 1) {
      // Several scans merged: each would fetch up to a page of rows from the table, most of them beyond
      // the page. First the start of the page's last row, from the indexes alone, then only the rows
      // from there on are fetched (the scans read the page's rows and ties, not types × page size).
      where.push(`a.execution_started_at >= (
        SELECT coalesce((
          SELECT x.start FROM types t
          CROSS JOIN LATERAL (
            SELECT c.execution_started_at AS start FROM action_records c
            WHERE c.action_type = t.action_type AND ${cutoffWhere.join(' AND ')}
            ORDER BY c.execution_started_at DESC
            LIMIT $3
          ) x
          ORDER BY x.start DESC
          OFFSET $3 - 1 LIMIT 1), $1))`);
      key.push('x');
    }
    text = `
      WITH types AS MATERIALIZED (${types})
      SELECT r.* FROM types t
      CROSS JOIN LATERAL (
        SELECT ${RECORD_SELECT_COLUMNS} FROM action_records a
        WHERE a.action_type = t.action_type AND ${where.join(' AND ')}
        ORDER BY ${NEWEST_FIRST}
        LIMIT $3
      ) r
      ORDER BY ${NEWEST_FIRST}
      LIMIT $3`;
  } else if (strategy === 'target') {
    // The same cutoff as a merge's (below), from one range of the target's index entries.
    where.push(`a.execution_started_at >= (
      SELECT coalesce((
        SELECT c.execution_started_at FROM action_records c
        WHERE ${cutoffWhere.join(' AND ')}
        ORDER BY c.execution_started_at DESC
        OFFSET $3 - 1 LIMIT 1), $1))`);
    text = `
      SELECT ${RECORD_SELECT_COLUMNS} FROM action_records a
      WHERE ${where.join(' AND ')}
      ORDER BY ${NEWEST_FIRST}
      LIMIT $3`;
  } else {
    if (s.actionTypes !== undefined) {
      where.push(`a.action_type = ANY(${param(s.actionTypes)}::text[])`);
      key.push('a');
    }
    text = `
      SELECT ${RECORD_SELECT_COLUMNS} FROM action_records a
      WHERE ${where.join(' AND ')}
      ORDER BY ${NEWEST_FIRST}
      LIMIT $3`;
  }
  // One row for the page: node-postgres spends microseconds on every row and field it receives, so a page
  // of 100 rows as one text took about a quarter off the API's CPU per request (README, "Queries").
  // The scan returns limit + 1 rows ($3) numbered newest first; the documents are built (an aggregate's
  // FILTER is checked before its argument) and joined for the first `limit` only, and the sort key of
  // the last of those is the next page's position when the extra row exists.
  text = `
    SELECT '[' || coalesce(string_agg(${recordDocument('r')}, ',' ORDER BY r.n) FILTER (WHERE r.n < $3), '') || ']'
             AS documents,
           max(r.start_us) FILTER (WHERE r.n = $3 - 1) AS start_us,
           max(r.wfe_uid) FILTER (WHERE r.n = $3 - 1) AS wfe_uid,
           max(r.step_name) FILTER (WHERE r.n = $3 - 1) AS step_name,
           count(*)::int AS found
    FROM (
      SELECT p.*, row_number() OVER (ORDER BY ${NEWEST_FIRST.replace(/(\w+) DESC/g, 'p.$1 DESC')}) AS n
      FROM (${text}) p
    ) r`;
  // One prepared statement per filter combination (the values vary, the text does not).
  return { name: `kubernaut_search_${key.join('_')}`, text, values };
}

/** One page of records, newest first, as JSON text; `next` is set when another page follows. */
export async function searchActionRecords(db: Queryable, s: ActionRecordSearch): Promise<RecordDocumentPage> {
  const { rows } = await db.query<RecordDocumentPageRow & Record<string, unknown>>(searchStatement(s));
  const row = rows[0]!; // an aggregate without GROUP BY: always one row
  return {
    documents: row.documents,
    ...(row.found > s.limit && row.start_us !== null && row.wfe_uid !== null && row.step_name !== null
      ? { next: { startUs: row.start_us, wfeUid: row.wfe_uid, stepName: row.step_name } }
      : {}),
  };
}

/** The statement of workflowExecutionDocuments; exported so the benchmark can EXPLAIN exactly what runs. */
export function workflowExecutionDocumentsStatement(wfeUid: string): { name: string; text: string; values: unknown[] } {
  return {
    name: 'kubernaut_wfe_documents',
    text: `
      SELECT '[' || coalesce(string_agg(${recordDocument('a')}, ',' ORDER BY a.step_name), '') || ']' AS documents
      FROM action_records a WHERE a.wfe_uid = $1`,
    values: [wfeUid],
  };
}

/**
 * Every step of one WorkflowExecution as the text of a JSON array of ActionRecords, by step name (served
 * by the primary key); `[]` when none was recorded.
 */
export async function workflowExecutionDocuments(db: Queryable, wfeUid: string): Promise<string> {
  const { rows } = await db.query<{ documents: string }>(workflowExecutionDocumentsStatement(wfeUid));
  return rows[0]!.documents;
}
