/**
 * Building a WorkflowExecution status from its parts, the same way for every transition (mapping from
 * Tekton, the initial status, failures decided by the workflow): fixed field order, no undefined
 * fields, derived fields (counts, progress, duration, the Ready condition) computed in one place.
 * That sameness is what lets a status patch be compared and skipped when nothing changed.
 */
import { setCondition, READY_CONDITION } from './conditions';
import { formatGoDuration } from '../duration';
import { countSteps, progressOf } from './step-status';
import { elapsedMs } from '../time';
import type {
  Condition,
  FailureDetails,
  StepStatus,
  TargetLockStatus,
  WorkflowExecutionPhase,
  WorkflowExecutionStatus,
} from '../workflow-execution';

export interface StatusParts {
  phase: WorkflowExecutionPhase;
  observedGeneration?: number;
  startTime?: string;
  completionTime?: string;
  pipelineRunRef?: { name: string; namespace: string };
  temporal?: WorkflowExecutionStatus['temporal'];
  requestedBy?: string;
  steps: StepStatus[];
  failureDetails?: FailureDetails;
  /** The WFE's turn on its target (carried from the previous status by every transition). */
  targetLock?: TargetLockStatus;
  /** Message of the Ready condition while Pending/Running (terminal phases derive theirs). */
  progressMessage: string;
  previousConditions?: readonly Condition[];
  now: string;
}

export function assembleStatus(parts: StatusParts): WorkflowExecutionStatus {
  const counts = countSteps(parts.steps);
  const durationMs = parts.completionTime !== undefined ? elapsedMs(parts.startTime, parts.completionTime) : undefined;
  const status: WorkflowExecutionStatus = { phase: parts.phase };
  if (parts.observedGeneration !== undefined) status.observedGeneration = parts.observedGeneration;
  if (parts.startTime !== undefined) status.startTime = parts.startTime;
  if (parts.completionTime !== undefined) status.completionTime = parts.completionTime;
  // metav1.Duration rounded to whole seconds, as upstream does.
  if (durationMs !== undefined) status.duration = formatGoDuration(Math.max(0, Math.round(durationMs / 1000) * 1000));
  if (parts.pipelineRunRef !== undefined) status.pipelineRunRef = { ...parts.pipelineRunRef };
  if (parts.temporal !== undefined) status.temporal = { ...parts.temporal };
  if (parts.requestedBy !== undefined) status.requestedBy = parts.requestedBy;
  status.steps = parts.steps;
  status.progress = progressOf(counts);
  status.stepCounts = counts;
  if (parts.failureDetails !== undefined) status.failureDetails = parts.failureDetails;
  if (parts.targetLock !== undefined) status.targetLock = { ...parts.targetLock };
  status.conditions = setCondition(parts.previousConditions, readyCondition(parts, counts.total), parts.now);
  return status;
}

function readyCondition(parts: StatusParts, total: number): Omit<Condition, 'lastTransitionTime'> {
  const generation = parts.observedGeneration !== undefined ? { observedGeneration: parts.observedGeneration } : {};
  switch (parts.phase) {
    case 'Completed': {
      const succeeded = parts.steps.filter((s) => s.phase === 'Succeeded').length;
      const message =
        succeeded === total
          ? `All ${total} steps succeeded`
          : `${succeeded} of ${total} steps succeeded, the others were skipped`;
      return { type: READY_CONDITION, status: 'True', ...generation, reason: 'Succeeded', message };
    }
    case 'Failed':
      return {
        type: READY_CONDITION,
        status: 'False',
        ...generation,
        reason: parts.failureDetails?.reason ?? 'Unknown',
        message: parts.failureDetails?.message ?? 'The execution failed',
      };
    default:
      return {
        type: READY_CONDITION,
        status: 'Unknown',
        ...generation,
        reason: parts.phase,
        message: parts.progressMessage,
      };
  }
}
