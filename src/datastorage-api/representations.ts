/**
 * What the API answers, as zod schemas: responses are checked against them when they are serialised,
 * and the OpenAPI document's component schemas are generated from them (each `id` is a component name).
 */
import { z } from 'zod';
import { ACTION_STATUSES } from '../domain/action-outcomes';
import { ASSESSMENT_STATUSES, TRENDS } from '../domain/effectiveness/scoring';
import { PROBLEM_TYPES, problemType } from './problems';

const timestamp = z.string().meta({ format: 'date-time' });
const nullableTimestamp = timestamp.nullable();
const count = z.number().int().min(0);
const unit = z.number().min(0).max(1);

export const ActionStatusSchema = z.enum(ACTION_STATUSES).meta({ id: 'ActionStatus' });

export const ActionRecordSchema = z
  .object({
    wfeUid: z.string(),
    wfeNamespace: z.string(),
    wfeName: z.string(),
    remediationId: z.string(),
    remediationNamespace: z.string(),
    remediationName: z.string(),
    temporalWorkflowId: z.string(),
    temporalRunId: z.string(),
    stepName: z.string(),
    actionType: z.string(),
    image: z.string(),
    inputs: z.record(z.string(), z.unknown()),
    target: z.string(),
    requestedBy: z.string().nullable().meta({
      description:
        'Who created the WorkflowExecution (its kubernaut.ai/requested-by annotation, checked against the creator at admission where the policy is installed); null when unknown.',
    }),
    status: ActionStatusSchema,
    executionStartedAt: timestamp.meta({ description: 'Start of the whole WorkflowExecution (the time key).' }),
    startedAt: nullableTimestamp,
    completedAt: nullableTimestamp,
    durationMs: z.number().int().min(0).nullable(),
    failureReason: z.string().nullable(),
    failureMessage: z.string().nullable(),
    exitCode: z.number().int().nullable(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'ActionRecord', description: 'One step of a WorkflowExecution, as the worker recorded it.' });

const nextCursor = z.string().nullable().meta({
  description: 'Pass as `cursor` (with the same other parameters) for the next, older page; null on the last page.',
});

export const ActionRecordPageSchema = z
  .object({ records: z.array(ActionRecordSchema), nextCursor })
  .meta({ id: 'ActionRecordPage', description: 'Action records, newest execution start first.' });

export const WorkflowExecutionRecordsSchema = z
  .object({ wfeUid: z.string(), records: z.array(ActionRecordSchema) })
  .meta({ id: 'WorkflowExecutionActionRecords', description: 'Every step of one WorkflowExecution, by step name.' });

export const OutcomeCountsSchema = z
  .object(
    Object.fromEntries(ACTION_STATUSES.map((s) => [s, count])) as Record<
      (typeof ACTION_STATUSES)[number],
      typeof count
    >,
  )
  .meta({ id: 'OutcomeCounts', description: 'Records by status.' });

const outcomeSummary = {
  counts: OutcomeCountsSchema,
  total: count,
  successRate: unit
    .nullable()
    .meta({ description: 'succeeded / (succeeded + failed); null when no record reached a verdict.' }),
};

export const DailyOutcomesSchema = z
  .object({ day: z.string().meta({ format: 'date' }), ...outcomeSummary })
  .meta({ id: 'DailyOutcomes', description: 'Outcomes of one UTC day.' });

export const ActionTypeStatisticsSchema = z
  .object({
    actionType: z.string(),
    ...outcomeSummary,
    daily: z.array(DailyOutcomesSchema).meta({ description: 'Days with at least one record, oldest first.' }),
  })
  .meta({ id: 'ActionTypeStatistics' });

export const ActionStatisticsSchema = z
  .object({
    window: z
      .object({ since: timestamp, until: timestamp, days: count })
      .meta({ description: 'Whole UTC days: [since, until).' }),
    target: z.string().nullable().meta({ description: 'The target the statistics are restricted to, or null.' }),
    totals: z.object(outcomeSummary),
    byActionType: z.array(ActionTypeStatisticsSchema).meta({ description: 'One entry per action type with records.' }),
  })
  .meta({ id: 'ActionStatistics', description: 'Outcomes of action records per action type, with daily buckets.' });

const scores = {
  score: unit,
  confidence: unit,
  trend: z.enum(TRENDS),
  sampleSize: count,
  dataAgeMs: count,
};

export const EffectivenessAssessmentSchema = z
  .object({
    remediationId: z.string(),
    target: z.string(),
    actionTypes: z.array(z.string()),
    assessedAt: timestamp,
    window: z.object({ since: timestamp, until: timestamp }),
    status: z.enum(ASSESSMENT_STATUSES),
    ineffectiveLoop: z.boolean(),
    ...scores,
    score: unit
      .nullable()
      .meta({ description: 'null exactly when the status is no_execution: nothing ran, nothing scored.' }),
    confidence: unit.nullable().meta({ description: 'null exactly when the score is.' }),
    recurrence: z.array(z.object({ actionType: z.string(), remediations: count })),
    byActionType: z.record(z.string(), z.object({ ...scores, status: z.enum(['assessed', 'insufficient_data']) })),
    createdAt: timestamp,
  })
  .meta({ id: 'EffectivenessAssessment', description: 'How well a remediation’s kind of action has worked.' });

export const AssessmentPageSchema = z
  .object({ assessments: z.array(EffectivenessAssessmentSchema), nextCursor })
  .meta({ id: 'EffectivenessAssessmentPage', description: 'Assessments, newest first.' });

export const ProblemSchema = z
  .object({
    type: z.enum(
      Object.keys(PROBLEM_TYPES).map((k) => problemType(k as keyof typeof PROBLEM_TYPES)) as [string, ...string[]],
    ),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string(),
    instance: z.string().optional(),
    'invalid-params': z
      .array(z.object({ name: z.string(), in: z.enum(['query', 'path', 'header']), reason: z.string() }))
      .optional()
      .meta({ description: 'Each rejected parameter and why (400 only).' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

/** A documented problem response: `application/problem+json`. */
export const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ProblemSchema } },
});

/** The error responses every authenticated endpoint documents. */
export const COMMON_PROBLEMS = {
  400: problemResponse('A parameter is missing, malformed, out of range or unknown; `invalid-params` names it.'),
  401: problemResponse('No bearer token, or a token that is not accepted.'),
  403: problemResponse('The token’s user may not read this (RBAC on the virtual resource).'),
  429: problemResponse('Too many requests from this client; see Retry-After.'),
  503: problemResponse('The database or the Kubernetes API is unreachable, or the request timed out; see Retry-After.'),
  500: problemResponse('A bug; logged.'),
} as const;
