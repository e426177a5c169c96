/**
 * What a workflowExecutionWorkflow run takes and gives back, the same for every version of its code path
 * (workflow-execution.ts, and workflow-execution-v1.ts for runs started before the lean path): its input,
 * its options and their defaults, its result, and the `status` query.
 */
import { defineQuery } from '@temporalio/workflow';
import type { PipelineRunRef } from '../activities/pipeline-runs';
import type { FailureReason, WorkflowExecutionStatus } from '../domain/workflow-execution';

export interface WorkflowExecutionOptions {
  /** Heartbeat timeout of the waiting activity: how fast a dead worker's wait is taken over. Default 30 s. */
  heartbeatTimeoutMs?: number;
  /** Extra time Tekton gets to report its own pipeline timeout before the workflow enforces it. Default 60 s. */
  deadlineGraceMs?: number;
  /** After cancelling a PipelineRun, how long to wait for Tekton to report it cancelled. Default 60 s. */
  cancellationWaitMs?: number;
  /** Retry backoff of activities (transient Kubernetes/PostgreSQL errors are retried until the deadline). */
  retryInitialIntervalMs?: number;
  retryMaximumIntervalMs?: number;
}

export interface WorkflowExecutionInput {
  /**
   * The resource as the API server returned it (metadata incl. uid, and spec; the starter drops what the
   * workflow never reads, such as managedFields), validated by the workflow's first step.
   */
  workflowExecution: { metadata: { namespace: string; name: string; uid: string }; spec?: unknown } & Record<
    string,
    unknown
  >;
  options?: WorkflowExecutionOptions;
}

export interface WorkflowExecutionResult {
  phase: 'Completed' | 'Failed';
  reason?: FailureReason;
  message?: string;
  pipelineRunRef?: PipelineRunRef;
  status?: WorkflowExecutionStatus;
}

/** What a run gives back once its final status is known. */
export function resultOf(final: WorkflowExecutionStatus, pipelineRunRef?: PipelineRunRef): WorkflowExecutionResult {
  return {
    phase: final.phase === 'Completed' ? 'Completed' : 'Failed',
    reason: final.failureDetails?.reason,
    message: final.failureDetails?.message,
    pipelineRunRef,
    status: final,
  };
}

/** The WFE status as the workflow currently knows it (what it last wrote, or is about to). */
export const statusQuery = defineQuery<WorkflowExecutionStatus | undefined>('status');

export const WORKFLOW_EXECUTION_DEFAULTS = {
  heartbeatTimeoutMs: 30_000,
  deadlineGraceMs: 60_000,
  cancellationWaitMs: 60_000,
  retryInitialIntervalMs: 1_000,
  retryMaximumIntervalMs: 30_000,
};
export type ResolvedOptions = typeof WORKFLOW_EXECUTION_DEFAULTS;

/**
 * How much longer than the deadline the waiting activity may run before its own start-to-close timeout
 * ends it. The workflow's deadline timer is what ends a wait: it cancels the activity, which learns it at
 * its next heartbeat. That timer fires in a workflow task, which can be late (a restarted worker, a backlog
 * of tasks); without this slack a wait begun at the start of the run would time out at the same moment,
 * and its retry would start a new wait instead of the clean cancellation. Five minutes covers any such
 * delay short of an outage, during which nothing runs anyway.
 */
export const WAIT_TIMEOUT_SLACK_MS = 5 * 60_000;

export const DELETED_BEFORE_START: WorkflowExecutionResult = {
  phase: 'Failed',
  reason: 'Cancelled',
  message: 'the WorkflowExecution was deleted before it started',
};
