/**
 * The status of a WorkflowExecution: the one entry point the rest of the project uses (workflow code imports
 * transitions.ts and target-wait.ts directly, so the PipelineRun mapping stays out of its bundle).
 *
 *   mapWorkflowExecutionStatus      Tekton's PipelineRun and TaskRuns → the WFE status (mapping.ts,
 *                                   per step in step-status.ts)
 *   initialWorkflowExecutionStatus  the Pending status written before the PipelineRun exists
 *   failedWorkflowExecutionStatus   failures the workflow decides itself: invalid spec, deadline,
 *                                   cancellation, PipelineRun deleted (transitions.ts)
 *   interruptedWorkflowExecutionStatus  the same when the workflow stopped a running PipelineRun, with
 *                                   the cause kept over the cancellation Tekton reports
 *   fingerprintStatus               what a status says, without timestamps: equal ⇒ no write needed
 *   waitingForTargetStatus, targetAcquiredStatus, targetWaitEnded, describeTargetWait
 *                                   the wait for the target's lock: Pending with its place (target-wait.ts)
 *
 * Every status is put together by assembly.ts (fixed field order, derived counts, progress, duration and
 * the Ready condition from conditions.ts), so equal inputs give byte-equal statuses and patches converge.
 */
export { mapWorkflowExecutionStatus, type MapStatusInput } from './mapping';
export {
  failedWorkflowExecutionStatus,
  initialWorkflowExecutionStatus,
  interruptedWorkflowExecutionStatus,
  type FailedStatusInput,
} from './transitions';
export { fingerprintStatus } from './fingerprint';
export {
  describeTargetWait,
  TARGET_ACQUIRED_CONDITION,
  targetAcquiredStatus,
  targetWaitEnded,
  waitingForTargetStatus,
} from './target-wait';
