/**
 * What the Data Storage accepts and returns: zod schemas (validated at the repository boundary, so a
 * bad row is rejected with the field that is wrong before anything is written) and the types inferred
 * from them.
 *
 * Timestamps are accepted as RFC 3339 strings (what crosses Temporal's JSON payloads) or Dates, and are
 * returned as RFC 3339 strings in UTC.
 *
 * `executionStartedAt` is the partition key and part of the idempotency key: it must be the same for
 * every step of a WorkflowExecution and on every write. The WorkflowExecution workflow sends its own
 * start time (fixed for the run and the same on replay); see src/activities/action-records.ts.
 *
 * The vocabulary (action statuses, outcomes, the inputs size limit, assessment statuses and trends) is
 * the domain's; these schemas only enforce it at the database's door.
 */
import { z } from 'zod';
import { ACTION_OUTCOMES, type ActionStatus, type ActionVerdict } from '../domain/action-outcomes';
import {
  ASSESSMENT_STATUSES,
  HISTORY_STATUSES,
  NO_EXECUTION,
  TRENDS,
  type EffectivenessAssessment,
} from '../domain/effectiveness/scoring';
import { LIMITS } from '../domain/workflow-execution';

/** Longest failure message kept; Tekton messages can be long and must not make a record unwritable. */
export const MAX_FAILURE_MESSAGE_CHARS = 8192;
/** A WFE has at most 50 steps; a batch may carry several WFEs (e.g. a backfill), bounded for one statement. */
export const MAX_BATCH_ROWS = 1000;
/** How far in the future an execution start may lie (clock skew), so junk dates cannot create partitions. */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** RFC 3339 string with an offset, or a valid Date; parsed to a Date. */
const TIMESTAMP_RULE = 'must be an RFC 3339 timestamp with an offset (e.g. 2026-01-31T12:00:00Z) or a Date';
export const Timestamp = z
  .custom<Date | string>((v) => v instanceof Date || typeof v === 'string', { message: TIMESTAMP_RULE })
  .transform((value, ctx): Date => {
    const date = typeof value === 'string' ? (RFC3339.test(value) ? new Date(value) : undefined) : value;
    if (date === undefined || Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: 'custom', message: TIMESTAMP_RULE });
      return z.NEVER;
    }
    return date;
  });

const text = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .min(1, 'must be a non-empty string')
    .max(max, `must be at most ${max} characters`);

/** The limit an action accepts (LIMITS.maxInputsBytes): a record never holds inputs no step could run with. */
const jsonObject = z
  .record(z.string(), z.unknown(), { error: 'must be a JSON object' })
  .refine((v) => Buffer.byteLength(JSON.stringify(v), 'utf8') <= LIMITS.maxInputsBytes, {
    message: `must serialise to at most ${LIMITS.maxInputsBytes} bytes of JSON`,
  });

const executionStartedAt = Timestamp.refine((d) => d.getTime() <= Date.now() + MAX_FUTURE_SKEW_MS, {
  message: 'must not lie more than 24h in the future (it is the WorkflowExecution start, fixed when it is created)',
});

/** The identity and context of one step's action record: everything known when the step is recorded. */
const actionRecordFields = {
  wfeUid: text(128),
  wfeNamespace: text(253),
  wfeName: text(253),
  /** Correlation key shared with the remediationTerminal signal and the assessment (e.g. `namespace/name`). */
  remediationId: text(512),
  remediationNamespace: text(253),
  remediationName: text(253),
  temporalWorkflowId: text(1000),
  temporalRunId: text(255),
  stepName: text(63).regex(DNS1123_LABEL, 'must be a DNS-1123 label (lower-case letters, digits and -)'),
  actionType: text(255),
  image: text(1024),
  inputs: jsonObject.default({}),
  /** `namespace/Kind/name` or `Kind/name`. */
  target: text(512),
  executionStartedAt,
  /** Who created the WFE (its `kubernaut.ai/requested-by` annotation); null when it did not say. */
  requestedBy: text(512).nullish(),
};

/** A step about to run: recorded with status `executing`. */
export const ExecutingActionRecordSchema = z.object({
  ...actionRecordFields,
  /** When the step itself started, if already known. */
  startedAt: Timestamp.nullish(),
});

/**
 * How a step finished. Carries the full record as well, so a completion that arrives before the step
 * was recorded (a retried or reordered activity) still writes a complete row.
 */
export const FinishedActionRecordSchema = z
  .object({
    ...actionRecordFields,
    status: z.enum(ACTION_OUTCOMES, { error: `must be one of ${ACTION_OUTCOMES.join(', ')}` }),
    startedAt: Timestamp.nullish(),
    completedAt: Timestamp,
    /** Derived from startedAt/completedAt when omitted. */
    durationMs: z.number().int('must be an integer').min(0, 'must be >= 0').nullish(),
    failureReason: text(255).nullish(),
    /** Truncated to MAX_FAILURE_MESSAGE_CHARS. */
    failureMessage: z
      .string()
      .nullish()
      .transform((m) =>
        m && m.length > MAX_FAILURE_MESSAGE_CHARS ? `${m.slice(0, MAX_FAILURE_MESSAGE_CHARS - 1)}…` : m,
      ),
    exitCode: z.number().int('must be an integer').nullish(),
  })
  .superRefine((o, ctx) => {
    if (o.startedAt && o.completedAt.getTime() < o.startedAt.getTime()) {
      ctx.addIssue({ code: 'custom', path: ['completedAt'], message: 'must not be before startedAt' });
    }
  });

function uniqueSteps<T extends { wfeUid: string; stepName: string; executionStartedAt: Date }>(
  rows: T[],
  ctx: z.RefinementCtx,
): void {
  const seen = new Map<string, number>();
  const startOfWfe = new Map<string, number>();
  rows.forEach((row, i) => {
    const key = `${row.wfeUid}\u0000${row.stepName}`;
    const first = seen.get(key);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'stepName'],
        message: `duplicates step ${row.stepName} of WFE ${row.wfeUid} at [${first}]`,
      });
    } else {
      seen.set(key, i);
    }
    const start = startOfWfe.get(row.wfeUid);
    if (start === undefined) startOfWfe.set(row.wfeUid, row.executionStartedAt.getTime());
    else if (start !== row.executionStartedAt.getTime()) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'executionStartedAt'],
        message: `must be the same for every step of WFE ${row.wfeUid} (${new Date(start).toISOString()})`,
      });
    }
  });
}

const batch = <T extends z.ZodType<{ wfeUid: string; stepName: string; executionStartedAt: Date }>>(row: T) =>
  z
    .array(row, { error: 'must be an array of rows' })
    .max(MAX_BATCH_ROWS, `must hold at most ${MAX_BATCH_ROWS} rows`)
    .superRefine(uniqueSteps);

export const ExecutingActionRecordBatchSchema = batch(ExecutingActionRecordSchema);
export const FinishedActionRecordBatchSchema = batch(FinishedActionRecordSchema);

/** What callers pass (timestamps as strings or Dates). */
export type ExecutingActionRecord = z.input<typeof ExecutingActionRecordSchema>;
export type FinishedActionRecord = z.input<typeof FinishedActionRecordSchema>;
/** After validation (timestamps as Dates, defaults applied). */
export type ValidExecutingActionRecord = z.output<typeof ExecutingActionRecordSchema>;
export type ValidFinishedActionRecord = z.output<typeof FinishedActionRecordSchema>;

/** A stored action record, as every query returns it. */
export interface ActionRecord {
  wfeUid: string;
  wfeNamespace: string;
  wfeName: string;
  remediationId: string;
  remediationNamespace: string;
  remediationName: string;
  temporalWorkflowId: string;
  temporalRunId: string;
  stepName: string;
  actionType: string;
  image: string;
  inputs: Record<string, unknown>;
  target: string;
  /** Who created the WorkflowExecution, when it said (SECURITY.md, "Who asked"). */
  requestedBy: string | null;
  status: ActionStatus;
  executionStartedAt: string;
  startedAt: string | null;
  completedAt: string | null;
  durationMs: number | null;
  failureReason: string | null;
  failureMessage: string | null;
  exitCode: number | null;
  createdAt: string;
  updatedAt: string;
}

/** A half-open window [since, until) must not end before it starts. */
function sinceBeforeUntil(q: { since: Date; until?: Date }): boolean {
  return q.until === undefined || q.since.getTime() <= q.until.getTime();
}
const WINDOW_RULE = { message: 'must not be after until', path: ['since'] };

const actionTypes = z
  .array(text(255))
  .min(1, 'must name at least one action type')
  .max(50, 'must name at most 50 action types');
const limit = (max: number) =>
  z.number().int('must be an integer').min(1, 'must be >= 1').max(max, `must be <= ${max}`);

/** Newest first within [since, until), by execution start; `cursor` continues after a previous page. */
export const ActionHistoryQuerySchema = z
  .object({
    actionTypes,
    since: Timestamp,
    until: Timestamp,
    target: text(512).optional(),
    limit: limit(1000).default(100),
    cursor: z.string().min(1).optional(),
  })
  .refine(sinceBeforeUntil, WINDOW_RULE);
export type ActionHistoryQuery = z.input<typeof ActionHistoryQuerySchema>;

export interface ActionHistoryPage {
  records: ActionRecord[];
  /** Pass as `cursor` to read the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Counts over [since, until) (until defaults to now) of one action type, or several together. */
export const ActionStatsQuerySchema = z
  .object({
    actionType: text(255).optional(),
    actionTypes: actionTypes.optional(),
    since: Timestamp,
    until: Timestamp.optional(),
    /** How many of the newest verdicts (succeeded/failed) to return for the trend. */
    latestN: z.number().int('must be an integer').min(0, 'must be >= 0').max(1000, 'must be <= 1000').default(10),
  })
  .refine((q) => (q.actionType === undefined) !== (q.actionTypes === undefined), {
    message: 'give exactly one of actionType or actionTypes',
    path: ['actionType'],
  })
  .refine(sinceBeforeUntil, WINDOW_RULE);
export type ActionStatsQuery = z.input<typeof ActionStatsQuerySchema>;

/**
 * Shaped so it can be handed to the effectiveness scorer as an `ActionHistorySummary`
 * (succeeded, failed, oldestRecordAt, latestOutcomes), plus the count of every status.
 */
export interface ActionStats {
  actionTypes: string[];
  since: string;
  until: string;
  counts: Record<ActionStatus, number>;
  total: number;
  succeeded: number;
  failed: number;
  /** Execution start of the oldest record in the window, any status; null with no records. */
  oldestRecordAt: string | null;
  /** Newest first (by execution start), only `succeeded`/`failed`, at most `latestN`. */
  latestOutcomes: ActionVerdict[];
}

export const RecentByTargetQuerySchema = z
  .object({
    target: text(512),
    actionType: text(255),
    since: Timestamp,
    until: Timestamp.optional(),
    limit: limit(1000).default(100),
  })
  .refine(sinceBeforeUntil, WINDOW_RULE);
export type RecentByTargetQuery = z.input<typeof RecentByTargetQuerySchema>;

const unitInterval = z.number().min(0, 'must be >= 0').max(1, 'must be <= 1');
const trend = z.enum(TRENDS, { error: `must be one of ${TRENDS.join(', ')}` });
const count = z.number().int('must be an integer').min(0, 'must be >= 0');

/** Validates the effectiveness scorer's output (EffectivenessAssessment, src/domain/effectiveness/scoring.ts). */
export const EffectivenessAssessmentSchema = z
  .object({
    remediationId: text(512),
    target: text(512),
    actionTypes: z.array(text(255)).max(50, 'must name at most 50 action types'),
    assessedAt: Timestamp,
    window: z.object({ since: Timestamp, until: Timestamp }),
    status: z.enum(ASSESSMENT_STATUSES, { error: `must be one of ${ASSESSMENT_STATUSES.join(', ')}` }),
    /** null exactly when the status is no_execution (checked below). */
    score: unitInterval.nullable(),
    confidence: unitInterval.nullable(),
    trend,
    sampleSize: count,
    dataAgeMs: count,
    recurrence: z.array(z.looseObject({ actionType: text(255), remediations: count })).default([]),
    byActionType: z
      .record(
        z.string(),
        z.looseObject({
          score: unitInterval,
          confidence: unitInterval,
          status: z.enum(HISTORY_STATUSES),
          trend,
          sampleSize: count,
          dataAgeMs: count,
        }),
      )
      .default({}),
  })
  .refine((a) => a.window.since.getTime() <= a.window.until.getTime(), {
    message: 'window.since must not be after window.until',
    path: ['window', 'since'],
  })
  .refine((a) => (a.status === NO_EXECUTION) === (a.score === null), {
    message: `must be null exactly when the status is ${NO_EXECUTION} (a remediation that executed nothing is not scored)`,
    path: ['score'],
  })
  .refine((a) => (a.score === null) === (a.confidence === null), {
    message: 'must be null exactly when the score is null',
    path: ['confidence'],
  });

export type ValidEffectivenessAssessment = z.output<typeof EffectivenessAssessmentSchema>;

/**
 * A stored assessment: the scorer's fields (timestamps as RFC 3339 strings), plus what the table adds.
 * Narrow on `status`: a `no_execution` assessment has a null score and confidence.
 */
export type StoredAssessment = EffectivenessAssessment & {
  /** True when the status is ineffective_loop or any action type recurred past the threshold. */
  ineffectiveLoop: boolean;
  createdAt: string;
};

export interface PersistAssessmentResult {
  /** False when an assessment of this remediation already existed: the first one is kept. */
  created: boolean;
  assessment: StoredAssessment;
}
