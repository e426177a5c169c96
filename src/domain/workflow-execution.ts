/**
 * The WorkflowExecution resource (DESIGN.md §2) as zod schemas; the TypeScript types are inferred from
 * them so the shape is written once. These schemas check each field on its own, with messages that say
 * what is allowed; rules across fields (unique names, DAG, policies, sizes) live in validation.ts.
 * The CRD in deploy/crds/workflowexecution.yaml encodes the same per-field rules for the API server.
 */
import { z } from 'zod';
import { parseGoDuration } from './duration';
import { API_GROUP, API_VERSION, WORKFLOW_EXECUTION } from './names';
import { DNS1123_LABEL_RULE, DNS1123_SUBDOMAIN_RULE, isDns1123Label, isDns1123Subdomain } from './kubernetes-names';

export const LIMITS = {
  /** ADR-020 caps parallelism far below this; 50 keeps a PipelineRun and its status well inside etcd's object size. */
  maxSteps: 50,
  /**
   * Serialized inputs of one step, in UTF-8 bytes. They reach the action as an environment variable,
   * and Linux limits a single environment string to 128 KiB (MAX_ARG_STRLEN); 64 KiB leaves room.
   */
  maxInputsBytes: 64 * 1024,
  maxRetries: 10,
  maxActionTypeLength: 128,
  maxImageLength: 512,
} as const;

/** Whole-execution deadline when the WFE sets none (upstream RO's Executing timeout). */
export const DEFAULT_EXECUTION_TIMEOUT = '30m';

/** The whole-execution timeout of a valid spec: as written (or the default) and in milliseconds. */
export function executionTimeoutOf(spec: { timeout?: string }): { text: string; ms: number } {
  const text = spec.timeout ?? DEFAULT_EXECUTION_TIMEOUT;
  return { text, ms: parseGoDuration(text) };
}

export const ACTION_TYPE_PATTERN = '^[a-z0-9]([a-z0-9_.-]*[a-z0-9])?/[a-z0-9]([a-z0-9_.-]*[a-z0-9])?$';
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
  serviceAccountName: dns1123Subdomain('serviceAccountName').optional(),
});

export const WORKFLOW_EXECUTION_PHASES = ['Pending', 'Running', 'Completed', 'Failed'] as const;
export type WorkflowExecutionPhase = (typeof WORKFLOW_EXECUTION_PHASES)[number];
export const TERMINAL_PHASES: readonly WorkflowExecutionPhase[] = ['Completed', 'Failed'];

export const STEP_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped', 'Cancelled'] as const;
export type StepPhase = (typeof STEP_PHASES)[number];
export const TERMINAL_STEP_PHASES: readonly StepPhase[] = ['Succeeded', 'Failed', 'Skipped', 'Cancelled'];

export const FAILURE_REASONS = [
  'ConfigurationError',
  'TaskFailed',
  'DeadlineExceeded',
  'OOMKilled',
  'ImagePullBackOff',
  'Forbidden',
  'ResourceExhausted',
  'Cancelled',
  'PipelineRunDeleted',
  'Unknown',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

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

export const WorkflowExecutionStatusSchema = z.object({
  phase: z.enum(WORKFLOW_EXECUTION_PHASES),
  observedGeneration: z.number().int().optional(),
  startTime: z.string().optional(),
  completionTime: z.string().optional(),
  duration: z.string().optional(),
  pipelineRunRef: z.object({ name: z.string(), namespace: z.string() }).optional(),
  temporal: z.object({ namespace: z.string(), workflowId: z.string(), runId: z.string().optional() }).optional(),
  steps: z.array(StepStatusSchema).optional(),
  /** "succeeded/total", the Steps printer column. */
  progress: z.string().optional(),
  stepCounts: StepCountsSchema.optional(),
  failureDetails: FailureDetailsSchema.optional(),
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

export const WORKFLOW_EXECUTION_API_VERSION = `${API_GROUP}/${API_VERSION}`;

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

export type WorkflowStep = z.infer<typeof WorkflowStepSchema>;
export type RemediationRequestRef = z.infer<typeof RemediationRequestRefSchema>;
export type WorkflowExecutionSpec = z.infer<typeof WorkflowExecutionSpecSchema>;
export type Condition = z.infer<typeof ConditionSchema>;
export type StepStatus = z.infer<typeof StepStatusSchema>;
export type StepCounts = z.infer<typeof StepCountsSchema>;
export type FailureDetails = z.infer<typeof FailureDetailsSchema>;
export type WorkflowExecutionStatus = z.infer<typeof WorkflowExecutionStatusSchema>;
/**
 * A validated WorkflowExecution. `status` stays untyped here: the spec is what validation vouches
 * for; read a status with WorkflowExecutionStatusSchema when needed.
 */
export type WorkflowExecution = z.infer<typeof WorkflowExecutionSchema>;

export function isTerminalPhase(phase: string | undefined): phase is 'Completed' | 'Failed' {
  return phase === 'Completed' || phase === 'Failed';
}

export function isTerminalStepPhase(phase: StepPhase): boolean {
  return TERMINAL_STEP_PHASES.includes(phase);
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
