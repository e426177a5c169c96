/**
 * Final step statuses → outcomes of the PostgreSQL action records (DESIGN.md §4): one per step, with
 * the failure reason, message and exit code effectiveness analytics group by. Called when the WFE is
 * terminal; a step still Pending or Running at that point never completed, so it counts as skipped or
 * cancelled rather than staying "executing" forever.
 */
import { elapsedMs } from './time';
import type { FailureReason, StepStatus, WorkflowExecutionStatus } from './workflow-execution';

/** How a step ended. Once an action record holds one of these it never changes again. */
export const ACTION_OUTCOMES = ['succeeded', 'failed', 'cancelled', 'skipped'] as const;
export type ActionOutcome = (typeof ACTION_OUTCOMES)[number];

/** Every status an action record holds: `executing` from the PipelineRun's creation, then its outcome. */
export const ACTION_STATUSES = ['executing', ...ACTION_OUTCOMES] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];

/**
 * The outcomes that say whether the action worked, the only ones effectiveness counts: a skipped step
 * never ran and a cancelled one was interrupted.
 */
export const ACTION_VERDICTS = ['succeeded', 'failed'] as const;
export type ActionVerdict = (typeof ACTION_VERDICTS)[number];

export interface StepActionOutcome {
  stepName: string;
  actionType: string;
  outcome: ActionOutcome;
  taskRunName?: string;
  startTime?: string;
  completionTime?: string;
  durationMs?: number;
  failureReason?: FailureReason;
  failureMessage?: string;
  exitCode?: number;
}

export function actionRecordOutcomes(status: WorkflowExecutionStatus): StepActionOutcome[] {
  return (status.steps ?? []).map((step) => outcomeOf(step, status));
}

function outcomeOf(step: StepStatus, status: WorkflowExecutionStatus): StepActionOutcome {
  const outcome = toOutcome(step);
  const record: StepActionOutcome = { stepName: step.name, actionType: step.actionType, outcome };
  if (step.taskRunName !== undefined) record.taskRunName = step.taskRunName;
  if (step.startTime !== undefined) record.startTime = step.startTime;
  if (step.completionTime !== undefined) record.completionTime = step.completionTime;
  const durationMs = elapsedMs(step.startTime, step.completionTime);
  if (durationMs !== undefined && durationMs >= 0) record.durationMs = durationMs;
  if (outcome === 'failed' || outcome === 'cancelled') {
    const blamed = status.failureDetails?.failedStep === step.name ? status.failureDetails : undefined;
    record.failureReason = step.reason ?? blamed?.reason ?? (outcome === 'cancelled' ? 'Cancelled' : 'Unknown');
    const message = step.message ?? blamed?.message;
    if (message !== undefined) record.failureMessage = message;
    const exitCode = step.exitCode ?? blamed?.exitCode;
    if (exitCode !== undefined) record.exitCode = exitCode;
  } else if (outcome === 'skipped' && step.message !== undefined) {
    record.failureMessage = step.message;
  }
  return record;
}

function toOutcome(step: StepStatus): ActionOutcome {
  switch (step.phase) {
    case 'Succeeded':
      return 'succeeded';
    case 'Failed':
      return 'failed';
    case 'Cancelled':
    case 'Running':
      return 'cancelled';
    case 'Skipped':
    case 'Pending':
      return 'skipped';
  }
}
