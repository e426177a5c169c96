/**
 * The WorkflowExecution resource as zod schemas: each field checked on its own, with messages that say what
 * is allowed; rules across fields (unique names, DAG, policies, sizes) live in validation.ts. The CRD in
 * deploy/crds/workflowexecution.yaml encodes the same per-field rules for the API server. Run-time zod stays
 * here, out of workflow code (workflow-execution.ts has the vocabulary and the inferred types).
 */
import { z } from 'zod';
import { DNS1123_LABEL_RULE, DNS1123_SUBDOMAIN_RULE, isDns1123Label, isDns1123Subdomain } from './kubernetes-names';
import { WORKFLOW_EXECUTION } from './names';
import {
  ACTION_TYPE_PATTERN,
  CONDITION_STATUSES,
  describeType,
  FAILURE_REASONS,
  LIMITS,
  STEP_PHASES,
  TARGET_WAIT_REASONS,
  WORKFLOW_EXECUTION_API_VERSION,
  WORKFLOW_EXECUTION_PHASES,
} from './workflow-execution';

const ACTION_TYPE = new RegExp(ACTION_TYPE_PATTERN);

const quoted = (input: unknown) =>
  typeof input === 'string' ? `"${input}"` : (JSON.stringify(input) ?? String(input));

const dns1123Label = (what: string) =>
  z.string().refine(isDns1123Label, { error: (iss) => `${what} ${quoted(iss.input)} must be ${DNS1123_LABEL_RULE}` });

const dns1123Subdomain = (what: string) =>
  z
    .string()
    .refine(isDns1123Subdomain, { error: (iss) => `${what} ${quoted(iss.input)} must be ${DNS1123_SUBDOMAIN_RULE}` });

const goDuration = z.string().min(1, { error: 'must be a Go duration such as "90s", "30m" or "1h30m"' });

export const WorkflowStepSchema = z.strictObject({
  name: dns1123Label('step name'),
  actionType: z
    .string()
    .max(LIMITS.maxActionTypeLength, { error: `actionType must be at most ${LIMITS.maxActionTypeLength} characters` })
    .refine((v) => ACTION_TYPE.test(v), {
      error: (iss) =>
        `actionType ${quoted(iss.input)} must be '<domain>/<action>' in lowercase letters, digits, '_', '.' and '-', e.g. "kubernetes/restart_pod" or "gitops/create_pr"`,
    }),
  image: z
    .string()
    .min(1, { error: 'image must not be empty' })
    .max(LIMITS.maxImageLength, { error: `image must be at most ${LIMITS.maxImageLength} characters` }),
  inputs: z
    .record(z.string(), z.unknown(), {
      error: (iss) => `inputs must be a JSON object (key/value map), got ${describeType(iss.input)}`,
    })
    .default({}),
  runAfter: z.array(z.string(), { error: 'runAfter must be a list of step names' }).default([]),
  timeout: goDuration.optional(),
  retries: z
    .number({ error: 'retries must be a whole number' })
    .int({ error: 'retries must be a whole number' })
    .min(0, { error: 'retries must be 0 or more' })
    .max(LIMITS.maxRetries, { error: `retries must be at most ${LIMITS.maxRetries}` })
    .optional(),
});

export const RemediationRequestRefSchema = z.strictObject({
  name: dns1123Subdomain('remediationRequestRef.name'),
  namespace: dns1123Label('remediationRequestRef.namespace').optional(),
  uid: z.string().optional(),
});

export const WorkflowExecutionSpecSchema = z.strictObject({
  remediationRequestRef: RemediationRequestRefSchema,
  targetResource: z.string({ error: 'targetResource is required: namespace/Kind/name or Kind/name' }),
  steps: z
    .array(WorkflowStepSchema, { error: 'steps must be a list of steps' })
    .min(1, { error: 'steps must list at least one step' })
    .max(LIMITS.maxSteps, { error: `steps must list at most ${LIMITS.maxSteps} steps` }),
  timeout: goDuration.optional(),
  /** How long the target rests after this remediation ran before the next one may act on it. */
  cooldown: goDuration.optional(),
  serviceAccountName: dns1123Subdomain('serviceAccountName').optional(),
});

/** metav1.Condition. */
export const ConditionSchema = z.object({
  type: z.string(),
  status: z.enum(CONDITION_STATUSES),
  observedGeneration: z.number().int().optional(),
  lastTransitionTime: z.string(),
  reason: z.string(),
  message: z.string(),
});

export const StepStatusSchema = z.object({
  name: z.string(),
  actionType: z.string(),
  phase: z.enum(STEP_PHASES),
  taskRunName: z.string().optional(),
  startTime: z.string().optional(),
  completionTime: z.string().optional(),
  exitCode: z.number().int().optional(),
  message: z.string().optional(),
  /** Classified failure reason of this step (Failed/Cancelled steps), for the action record. */
  reason: z.enum(FAILURE_REASONS).optional(),
  /** Tekton attempts so far: 1 + retries already used (TaskRun `retriesStatus`). */
  attempts: z.number().int().optional(),
});

export const StepCountsSchema = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  running: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  cancelled: z.number().int(),
});

export const FailureDetailsSchema = z.object({
  reason: z.enum(FAILURE_REASONS),
  message: z.string(),
  failedStep: z.string().optional(),
  exitCode: z.number().int().optional(),
  /** True when actions may already have changed the cluster: never auto-retry those. */
  wasExecutionFailure: z.boolean(),
  naturalLanguageSummary: z.string(),
});

/** The WFE's turn on its target (issue #12): while it waits, and how long it waited once it got the target. */
export const TargetLockStatusSchema = z.object({
  /** TargetBusy or CooldownActive while waiting; absent once the target is acquired. */
  reason: z.enum(TARGET_WAIT_REASONS).optional(),
  /** 1 = next in line. */
  position: z.number().int().optional(),
  queueLength: z.number().int().optional(),
  /** `namespace/name` of the WFE holding the target. */
  holder: z.string().optional(),
  cooldownEndsAt: z.string().optional(),
  /** `namespace/name` of the WFE whose remediation the target rests after. */
  cooldownAfter: z.string().optional(),
  requestedAt: z.string().optional(),
  acquiredAt: z.string().optional(),
  /** requestedAt → acquiredAt (or → the end, when never acquired), Go duration rounded to seconds. */
  waited: z.string().optional(),
});

export const WorkflowExecutionStatusSchema = z.object({
  phase: z.enum(WORKFLOW_EXECUTION_PHASES),
  observedGeneration: z.number().int().optional(),
  startTime: z.string().optional(),
  completionTime: z.string().optional(),
  duration: z.string().optional(),
  pipelineRunRef: z.object({ name: z.string(), namespace: z.string() }).optional(),
  temporal: z.object({ namespace: z.string(), workflowId: z.string(), runId: z.string().optional() }).optional(),
  /** Who created the WFE: its `kubernaut.ai/requested-by` annotation (SECURITY.md, "Who asked"). */
  requestedBy: z.string().optional(),
  steps: z.array(StepStatusSchema).optional(),
  /** "succeeded/total", the Steps printer column. */
  progress: z.string().optional(),
  stepCounts: StepCountsSchema.optional(),
  failureDetails: FailureDetailsSchema.optional(),
  targetLock: TargetLockStatusSchema.optional(),
  conditions: z.array(ConditionSchema).optional(),
});

export const ObjectMetaSchema = z.looseObject({
  name: dns1123Subdomain('metadata.name'),
  namespace: dns1123Label('metadata.namespace'),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const WorkflowExecutionSchema = z.looseObject({
  apiVersion: z
    .literal(WORKFLOW_EXECUTION_API_VERSION, {
      error: (iss) => `apiVersion ${quoted(iss.input)} must be "${WORKFLOW_EXECUTION_API_VERSION}"`,
    })
    .optional(),
  kind: z
    .literal(WORKFLOW_EXECUTION.kind, {
      error: (iss) => `kind ${quoted(iss.input)} must be "${WORKFLOW_EXECUTION.kind}"`,
    })
    .optional(),
  metadata: ObjectMetaSchema,
  spec: WorkflowExecutionSpecSchema,
  status: z.unknown().optional(),
});
