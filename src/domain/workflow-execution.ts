/**
 * The WorkflowExecution resource (DESIGN.md §2): its vocabulary (phases, failure reasons, limits) and types.
 * The types are inferred from the zod schemas of workflow-execution-schema.ts, so the shape is written once;
 * this module imports them as types only and stays free of zod at run time, because workflow code (the
 * Temporal bundle every cached workflow shares) imports it.
 */
import type { z } from 'zod';
import { parseGoDuration } from './duration';
import type {
  ConditionSchema,
  FailureDetailsSchema,
  RemediationRequestRefSchema,
  StepCountsSchema,
  StepStatusSchema,
  TargetLockStatusSchema,
  WorkflowExecutionSchema,
  WorkflowExecutionSpecSchema,
  WorkflowExecutionStatusSchema,
  WorkflowStepSchema,
} from './workflow-execution-schema';
import { API_GROUP, API_VERSION } from './names';

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

/** How long a target rests after a remediation when neither the WFE nor the worker says (upstream's). */
export const DEFAULT_TARGET_COOLDOWN = '5m';

/** The cooldown a valid spec's remediation imposes on its target: its own, else the worker's default. */
export function targetCooldownMsOf(spec: { cooldown?: string }, workerDefaultMs: number): number {
  return spec.cooldown !== undefined ? parseGoDuration(spec.cooldown) : workerDefaultMs;
}

export const ACTION_TYPE_PATTERN = '^[a-z0-9]([a-z0-9_.-]*[a-z0-9])?/[a-z0-9]([a-z0-9_.-]*[a-z0-9])?$';

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
  /** The timeout passed while the WFE waited for its target: it never ran. */
  'TargetWaitTimeout',
  'Unknown',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

/** Why a WFE waits for its target (issue #12): another WFE holds it, or it rests after a remediation. */
export const TARGET_WAIT_REASONS = ['TargetBusy', 'CooldownActive'] as const;
export type TargetWaitReason = (typeof TARGET_WAIT_REASONS)[number];

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

export const WORKFLOW_EXECUTION_API_VERSION = `${API_GROUP}/${API_VERSION}`;

export type WorkflowStep = z.infer<typeof WorkflowStepSchema>;
export type RemediationRequestRef = z.infer<typeof RemediationRequestRefSchema>;
export type WorkflowExecutionSpec = z.infer<typeof WorkflowExecutionSpecSchema>;
export type Condition = z.infer<typeof ConditionSchema>;
export type StepStatus = z.infer<typeof StepStatusSchema>;
export type StepCounts = z.infer<typeof StepCountsSchema>;
export type FailureDetails = z.infer<typeof FailureDetailsSchema>;
export type TargetLockStatus = z.infer<typeof TargetLockStatusSchema>;
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
