/**
 * The request parameters of every endpoint, as zod schemas: fastify validates each request with them
 * before a handler runs, and the OpenAPI document is generated from the same schemas. A rejected request
 * is a 400 problem that names each parameter and the rule it broke (problems.ts).
 *
 * Rules common to every text parameter: given once (a repeated key is rejected, not silently merged),
 * non-empty, bounded length, no control characters (PostgreSQL refuses NUL in text: that would otherwise
 * be a 500). Lists are comma-separated. Unknown parameters are rejected, so a misspelt filter never
 * returns unfiltered data. Values reach SQL only as bound parameters.
 */
import { z } from 'zod';
import { ACTION_STATUSES } from '../domain/action-outcomes';
import { ASSESSMENT_STATUSES, TRENDS } from '../domain/effectiveness/scoring';

export interface ParameterLimits {
  maxPageSize: number;
  maxWindowDays: number;
}

const DAY_MS = 86_400_000;
export const DEFAULT_PAGE_SIZE = 100;
export const DEFAULT_STATISTICS_DAYS = 90;
export const MAX_LIST_ITEMS = 50;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const UID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A query or path value given exactly once. */
const single = (required: boolean) =>
  z.string({
    error: (issue) =>
      issue.input === undefined
        ? required
          ? 'is required'
          : 'must be a string'
        : Array.isArray(issue.input)
          ? 'must be given once'
          : 'must be a string',
  });

const text = (max: number, required = false) =>
  single(required)
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !CONTROL.test(v), 'must not contain control characters');

/** Comma-separated values, each checked by `item`; duplicates dropped. */
const list = <T extends string>(item: z.ZodType<T>, what: string) =>
  text(MAX_LIST_ITEMS * 256)
    .transform((v, ctx): T[] => {
      const parts = v.split(',').map((p) => p.trim());
      if (parts.length > MAX_LIST_ITEMS || parts.some((p) => p === '')) {
        ctx.addIssue({
          code: 'custom',
          message: `must be 1 to ${MAX_LIST_ITEMS} comma-separated ${what}, none empty`,
        });
        return z.NEVER;
      }
      const out: T[] = [];
      for (const p of parts) {
        const r = item.safeParse(p);
        if (!r.success) {
          ctx.addIssue({ code: 'custom', message: `${JSON.stringify(p.slice(0, 64))} ${r.error.issues[0]!.message}` });
          return z.NEVER;
        }
        if (!out.includes(r.data)) out.push(r.data);
      }
      return out;
    })
    .meta({ description: `Comma-separated ${what} (at most ${MAX_LIST_ITEMS}); any of them matches.` });

const oneOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });

const timestamp = (required: boolean) =>
  single(required)
    .transform((v, ctx): Date => {
      const d = RFC3339.test(v) ? new Date(v) : undefined;
      if (d === undefined || Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1970) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be an RFC 3339 timestamp with an offset, from 1970 on (e.g. 2026-01-31T12:00:00Z)',
        });
        return z.NEVER;
      }
      return d;
    })
    .meta({ format: 'date-time' });

const limit = (max: number) =>
  single(false)
    .regex(/^\d{1,6}$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= 1 && n <= max, `must be between 1 and ${max}`)
    .optional()
    .meta({ description: `Page size, 1 to ${max} (default ${DEFAULT_PAGE_SIZE}).` });

const cursor = text(2048).meta({
  description: 'nextCursor of the previous page; the other parameters must be the same as for that page.',
});

/** `YYYY-MM-DD` naming a day that exists (no 2026-02-30), from 1970 on. */
function isDate(v: string): boolean {
  if (!DATE.test(v) || v < '1970-01-01') return false;
  const ms = Date.parse(`${v}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === v;
}

/** since < until, both given or until defaulting to now, at most `maxDays` apart. */
function checkWindow(q: { since: Date; until?: Date }, ctx: z.RefinementCtx, maxDays: number) {
  const until = q.until ?? new Date();
  if (q.since.getTime() >= until.getTime())
    ctx.addIssue({
      code: 'custom',
      path: ['since'],
      message: q.until ? 'must be before until' : 'must be in the past (until defaults to now)',
    });
  else if (until.getTime() - q.since.getTime() > maxDays * DAY_MS)
    ctx.addIssue({
      code: 'custom',
      path: ['since'],
      message: `the window since..until must not exceed ${maxDays} days`,
    });
}

const actionType = text(255);
const target = text(512).meta({
  description: 'The remediated resource, `namespace/Kind/name` or `Kind/name` (cluster-scoped).',
});
const namespace = text(63)
  .regex(DNS1123_LABEL, 'must be a Kubernetes namespace name (DNS-1123 label)')
  .meta({ description: 'Namespace of the WorkflowExecution.' });
const remediationId = text(512).meta({
  description: 'The remediation (`namespace/name` of its RemediationRequest).',
});

export function parameterSchemas(l: ParameterLimits) {
  const actionRecordsQuery = z
    .strictObject({
      since: timestamp(true).meta({ description: 'Start of the window on the execution start (inclusive).' }),
      until: timestamp(false).optional().meta({ description: 'End of the window (exclusive); now when omitted.' }),
      actionType: list(actionType, 'action types').optional(),
      status: list(oneOf(ACTION_STATUSES), `statuses (${ACTION_STATUSES.join(', ')})`).optional(),
      target: target.optional(),
      namespace: namespace.optional(),
      remediationId: remediationId.optional(),
      limit: limit(l.maxPageSize),
      cursor: cursor.optional(),
    })
    .superRefine((q, ctx) => checkWindow(q, ctx, l.maxWindowDays));

  const statisticsQuery = z.strictObject({
    actionType: list(actionType, 'action types').optional(),
    target: target.optional(),
    days: single(false)
      .regex(/^\d{1,5}$/, 'must be a whole number')
      .transform(Number)
      .refine((n) => n >= 1 && n <= l.maxWindowDays, `must be between 1 and ${l.maxWindowDays}`)
      .optional()
      .meta({ description: `Number of UTC days, 1 to ${l.maxWindowDays} (default ${DEFAULT_STATISTICS_DAYS}).` }),
    until: single(false)
      .refine(isDate, 'must be a date that exists, from 1970 on (YYYY-MM-DD)')
      .optional()
      .meta({ description: 'Last UTC day of the window, inclusive (default: today).', format: 'date' }),
  });

  const assessmentsQuery = z
    .strictObject({
      since: timestamp(true).meta({ description: 'Start of the window on the assessment time (inclusive).' }),
      until: timestamp(false).optional().meta({ description: 'End of the window (exclusive); now when omitted.' }),
      target: target.optional(),
      remediationId: remediationId.optional(),
      status: list(oneOf(ASSESSMENT_STATUSES), `statuses (${ASSESSMENT_STATUSES.join(', ')})`).optional(),
      trend: list(oneOf(TRENDS), `trends (${TRENDS.join(', ')})`).optional(),
      actionType: actionType.optional().meta({ description: 'Assessments that covered this action type.' }),
      limit: limit(l.maxPageSize),
      cursor: cursor.optional(),
    })
    .superRefine((q, ctx) => checkWindow(q, ctx, l.maxWindowDays));

  const workflowExecutionPath = z.strictObject({
    wfeUid: text(128, true)
      .regex(UID, 'must be a WorkflowExecution uid (letters, digits, ., _ and -)')
      .meta({ description: 'metadata.uid of the WorkflowExecution.' }),
  });

  const remediationPath = z.strictObject({
    namespace: text(63, true).regex(DNS1123_LABEL, 'must be a Kubernetes namespace name (DNS-1123 label)'),
    name: text(253, true).regex(DNS1123_SUBDOMAIN, 'must be a Kubernetes object name (DNS-1123 subdomain)'),
  });

  return { actionRecordsQuery, statisticsQuery, assessmentsQuery, workflowExecutionPath, remediationPath };
}

export type ParameterSchemas = ReturnType<typeof parameterSchemas>;
export type ActionRecordsQuery = z.output<ParameterSchemas['actionRecordsQuery']>;
export type StatisticsQuery = z.output<ParameterSchemas['statisticsQuery']>;
export type AssessmentsQuery = z.output<ParameterSchemas['assessmentsQuery']>;
