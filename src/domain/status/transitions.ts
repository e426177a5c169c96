/**
 * Statuses the workflow decides itself rather than reads from Tekton: the initial Pending status, and
 * failures Tekton cannot report (an invalid spec rejected before any PipelineRun exists, the execution
 * deadline or a cancellation enforced by the workflow, a PipelineRun deleted under it).
 */
import { naturalLanguageSummary } from '../failure-summary';
import { assembleStatus } from './assembly';
import { countSteps, orderStepFields, stepMayHaveActed, truncateMessage } from './step-status';
import { elapsedMs, Instant, toTimestamp } from '../time';
import { readUnvalidatedWorkflowExecution } from '../unvalidated-workflow-execution';
import {
  FailureReason,
  isTerminalPhase,
  isTerminalStepPhase,
  StepStatus,
  WorkflowExecution,
  WorkflowExecutionStatus,
} from '../workflow-execution';

/** Pending, every step Pending: written as soon as the workflow starts, before the PipelineRun exists. */
export function initialWorkflowExecutionStatus(
  wfe: WorkflowExecution,
  now: Instant,
  extras: { temporal?: WorkflowExecutionStatus['temporal'] } = {},
): WorkflowExecutionStatus {
  return assembleStatus({
    phase: 'Pending',
    observedGeneration: wfe.metadata.generation,
    temporal: extras.temporal,
    requestedBy: readUnvalidatedWorkflowExecution(wfe).requestedBy,
    steps: wfe.spec.steps.map((s): StepStatus => ({ name: s.name, actionType: s.actionType, phase: 'Pending' })),
    progressMessage: 'Waiting for the PipelineRun to be created',
    now: toTimestamp(now) ?? toTimestamp(new Date(0))!,
  });
}

export interface FailedStatusInput {
  reason: FailureReason;
  message: string;
  previous?: WorkflowExecutionStatus;
  now: Instant;
  /**
   * Whether actions may already have changed the cluster. Default: derived from the previous step
   * statuses (any step that succeeded or ran counts), erring towards true.
   */
  wasExecutionFailure?: boolean;
  /**
   * The WFE, possibly invalid (this is also how a spec that failed validation is reported): used for
   * the steps when `previous` has none, the observed generation and the summary's names.
   */
  workflowExecution?: unknown;
  /** Step to blame, when the caller knows better than "the first failed or running step". */
  failedStep?: string;
}

/**
 * Failed with the given reason. Steps still running become Cancelled (Failed with DeadlineExceeded
 * when the deadline cut them off); steps not started become Skipped (Cancelled when the execution was
 * cancelled or its PipelineRun deleted). A status that is already terminal is returned unchanged: the first outcome stands.
 */
export function failedWorkflowExecutionStatus(input: FailedStatusInput): WorkflowExecutionStatus {
  const { previous, reason } = input;
  if (previous && isTerminalPhase(previous.phase))
    return JSON.parse(JSON.stringify(previous)) as WorkflowExecutionStatus;
  const now = toTimestamp(input.now) ?? toTimestamp(new Date(0))!;
  const subject = looseSubject(input.workflowExecution);
  const before: StepStatus[] = previous?.steps ?? subject.steps;
  const wasExecutionFailure = input.wasExecutionFailure ?? before.some(stepMayHaveActed);
  const steps = before.map((s) => orderStepFields(finishStep(s, reason, now)));
  const message = truncateMessage(input.message);

  const blamed =
    (input.failedStep !== undefined ? steps.find((s) => s.name === input.failedStep) : undefined) ??
    before
      .map((s, i) => ({ was: s, now: steps[i] }))
      .find(({ was, now: after }) => was.phase === 'Failed' || (was.phase === 'Running' && after.phase !== was.phase))
      ?.now;
  const durationMs = elapsedMs(previous?.startTime, now);
  const failureDetails = {
    reason,
    message,
    ...(blamed !== undefined && { failedStep: blamed.name }),
    ...(blamed?.exitCode !== undefined && { exitCode: blamed.exitCode }),
    wasExecutionFailure,
    naturalLanguageSummary: naturalLanguageSummary({
      workflowExecution: subject.name,
      targetResource: subject.target,
      reason,
      message,
      failedStep: blamed,
      exitCode: blamed?.exitCode,
      durationMs,
      counts: countSteps(steps),
      wasExecutionFailure,
    }),
  };

  return assembleStatus({
    phase: 'Failed',
    observedGeneration: previous?.observedGeneration ?? subject.generation,
    startTime: previous?.startTime,
    completionTime: now,
    pipelineRunRef: previous?.pipelineRunRef,
    temporal: previous?.temporal,
    requestedBy: previous?.requestedBy ?? subject.requestedBy,
    steps,
    failureDetails,
    targetLock: previous?.targetLock,
    progressMessage: message,
    previousConditions: previous?.conditions,
    now,
  });
}

/**
 * The status after the workflow stopped an execution for `reason` (its deadline, a cancellation, a
 * permanent error), given the last status it saw once Tekton reported the PipelineRun's cancellation (or
 * stopped being waited for). Undefined when that status already tells the outcome: the execution
 * completed anyway, or it already failed for this very reason. A failure Tekton reported only because the
 * workflow cancelled the PipelineRun is attributed to its cause instead, at the time Tekton gave it; the
 * steps keep the outcomes Tekton reported.
 */
export function interruptedWorkflowExecutionStatus(input: {
  seen: WorkflowExecutionStatus;
  reason: FailureReason;
  message: string;
  now: Instant;
}): WorkflowExecutionStatus | undefined {
  const { seen, reason, message } = input;
  if (seen.phase === 'Completed' || seen.failureDetails?.reason === reason) return undefined;
  const unfinished = isTerminalPhase(seen.phase)
    ? { ...seen, phase: 'Running' as const, failureDetails: undefined, completionTime: undefined }
    : seen;
  return failedWorkflowExecutionStatus({
    reason,
    message,
    previous: unfinished,
    now: seen.completionTime ? new Date(seen.completionTime) : input.now,
  });
}

function finishStep(step: StepStatus, reason: FailureReason, now: string): StepStatus {
  if (isTerminalStepPhase(step.phase)) return step;
  if (step.phase === 'Running') {
    return reason === 'DeadlineExceeded'
      ? { ...step, phase: 'Failed', reason, completionTime: now, message: 'stopped: the execution deadline passed' }
      : {
          ...step,
          phase: 'Cancelled',
          reason: reason === 'PipelineRunDeleted' ? reason : 'Cancelled',
          completionTime: now,
          message: `stopped: ${reason}`,
        };
  }
  // Never started: Tekton itself reports such tasks as skipped, except when the run was stopped on purpose.
  return reason === 'Cancelled' || reason === 'PipelineRunDeleted'
    ? { ...step, phase: 'Cancelled', reason, message: `not run: ${reason}` }
    : { ...step, phase: 'Skipped', message: `not run: the execution failed (${reason}) before this step started` };
}

/** Names and steps from a WFE that may not have passed validation. */
function looseSubject(wfe: unknown): {
  name?: string;
  target?: string;
  generation?: number;
  requestedBy?: string;
  steps: StepStatus[];
} {
  const read = readUnvalidatedWorkflowExecution(wfe);
  const seen = new Set<string>();
  const steps = read.steps.flatMap((s): StepStatus[] => {
    if (s.name === undefined || seen.has(s.name)) return [];
    seen.add(s.name);
    return [{ name: s.name, actionType: s.actionType ?? 'unknown', phase: 'Pending' }];
  });
  return {
    ...(read.name !== undefined && { name: read.namespace ? `${read.namespace}/${read.name}` : read.name }),
    ...(read.targetResource !== undefined && { target: read.targetResource }),
    ...(read.generation !== undefined && { generation: read.generation }),
    ...(read.requestedBy !== undefined && { requestedBy: read.requestedBy }),
    steps,
  };
}
