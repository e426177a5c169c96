/**
 * The steps of a WorkflowExecution's run, batched so that each costs one local activity — no workflow-task
 * round trip of its own — instead of one activity per call (issue #13, README "Decisions"):
 *
 * - beginExecution: validate (the worker's policy) → add the finalizer → create or adopt the PipelineRun →
 *   write the status that names it → record one `executing` action record per step;
 * - finishExecution: write the final status → finish the action records → signal the Effectiveness
 *   Monitor → release the finalizer.
 *
 * Every call in them is idempotent (finalizer list, deterministic PipelineRun name with adoption, status
 * patches that converge, `INSERT … ON CONFLICT` records, a monitor that deduplicates), so a local activity
 * retried from its start — after a transient error, or on another worker after a crash in the middle —
 * converges on the same state: a crash leaves at most a finalizer, a PipelineRun or a status that the retry
 * finds and keeps. Errors that retrying cannot fix (a PipelineRun of that name owned by another WFE, 403)
 * are returned as `refused`, with the state begun so far, for the workflow to end the run with.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { RemediationTerminal } from '../domain/effectiveness/remediation-terminal';
import { initialWorkflowExecutionStatus } from '../domain/status/transitions';
import type { ValidationError } from '../domain/validation-errors';
import { failureReasonOf } from '../domain/activity-failures';
import type { FailureReason, WorkflowExecution, WorkflowExecutionStatus } from '../domain/workflow-execution';
import { actionRecordContextOf, type ActionRecordContext } from '../domain/action-record-context';
import type { ActionRecordActivities } from './action-records';
import type { PipelineRunActivities, PipelineRunRef } from './pipeline-runs';
import type { RemediationSignalActivities } from './remediation-signal';
import type { WorkflowExecutionActivities, WorkflowExecutionRef } from './workflow-executions';

export type TemporalReference = NonNullable<WorkflowExecutionStatus['temporal']>;

export interface BeginExecutionInput {
  /** The WFE as the workflow received it (validated here, with the worker's policy). */
  workflowExecution: unknown;
  ref: WorkflowExecutionRef;
  temporal: TemporalReference;
  /** The run's start time: the action records' partition key, fixed for every retry. */
  executionStartedAt: string;
  /** The run's clock at this step (workflow time), for the status's timestamps. */
  now: string;
  /**
   * When the execution's deadline passes (epoch ms, workflow time). No PipelineRun is created after it: a
   * begin held up past the deadline (an outage) must not start actions only to cancel them.
   */
  deadlineAt: number;
}

export type BeginExecutionResult =
  | { kind: 'invalid'; errors: ValidationError[] }
  /** The WFE was deleted before anything was done for it. */
  | { kind: 'gone' }
  | {
      kind: 'started';
      workflowExecution: WorkflowExecution;
      pipelineRunRef: PipelineRunRef;
      status: WorkflowExecutionStatus;
      /** After this status write: the waiting activity's writes are guarded by it. */
      resourceVersion?: string;
    }
  | {
      /** Nothing was run: the PipelineRun could not be created (retrying would not help) or the deadline passed. */
      kind: 'refused';
      workflowExecution: WorkflowExecution;
      reason: FailureReason;
      message: string;
      status: WorkflowExecutionStatus;
    };

export interface FinishExecutionInput {
  ref: WorkflowExecutionRef;
  /** The final status, the last word on the WFE. */
  status: WorkflowExecutionStatus;
  /** False when the waiting activity already wrote exactly this status. Default true. */
  writeStatus?: boolean;
  /** Present once the action records were (or would have been) begun: they are finished from `status`. */
  recordContext?: ActionRecordContext;
  /** The monitor's signal, when the run has a remediation to report. */
  signal?: RemediationTerminal;
  /** Release the execution finalizer (added by beginExecution). */
  releaseFinalizer: boolean;
}

export interface ExecutionStepDependencies {
  workflowExecutions: Pick<
    WorkflowExecutionActivities,
    'validateWorkflowExecution' | 'addExecutionFinalizer' | 'removeExecutionFinalizer' | 'writeObservedStatus'
  > & { syncWorkflowExecutionStatus: WorkflowExecutionActivities['syncWorkflowExecutionStatus'] };
  pipelineRuns: Pick<PipelineRunActivities, 'createPipelineRun'>;
  records: ActionRecordActivities;
  monitor: RemediationSignalActivities;
}

/** A failure retrying will not fix (non-retryable ApplicationFailure), else undefined. */
function permanent(err: unknown): ApplicationFailure | undefined {
  return err instanceof ApplicationFailure && err.nonRetryable ? err : undefined;
}

export function createExecutionStepActivities(d: ExecutionStepDependencies) {
  return {
    async beginExecution(input: BeginExecutionInput): Promise<BeginExecutionResult> {
      const validation = await d.workflowExecutions.validateWorkflowExecution(input.workflowExecution);
      if (!validation.ok) return { kind: 'invalid', errors: validation.errors };
      const wfe = validation.value;
      const recordContext = actionRecordContextOf(wfe, input.temporal, input.executionStartedAt);
      const initial = initialWorkflowExecutionStatus(wfe, input.now, { temporal: input.temporal });
      if ((await d.workflowExecutions.addExecutionFinalizer(input.ref)) === 'gone') return { kind: 'gone' };
      const refused = (reason: FailureReason, message: string): BeginExecutionResult => ({
        kind: 'refused',
        workflowExecution: wfe,
        reason,
        message,
        status: initial,
      });
      if (Date.now() > input.deadlineAt) {
        return refused('DeadlineExceeded', 'the WorkflowExecution could not be started within its timeout');
      }
      let pipelineRunRef: PipelineRunRef;
      try {
        pipelineRunRef = (
          await d.pipelineRuns.createPipelineRun({
            workflowExecution: wfe,
            temporalWorkflowId: input.temporal.workflowId,
          })
        ).pipelineRunRef;
      } catch (err) {
        const failure = permanent(err);
        if (!failure) throw err;
        return refused(failureReasonOf(failure.type ?? undefined), failure.message);
      }
      const status: WorkflowExecutionStatus = { ...initial, pipelineRunRef };
      const written = await d.workflowExecutions.writeObservedStatus({ ref: input.ref, status });
      await d.records.recordActions(recordContext);
      return {
        kind: 'started',
        workflowExecution: wfe,
        pipelineRunRef,
        status,
        resourceVersion: written.outcome === 'written' ? written.resourceVersion : undefined,
      };
    },

    async finishExecution(input: FinishExecutionInput): Promise<void> {
      if (input.writeStatus !== false) {
        await d.workflowExecutions.syncWorkflowExecutionStatus({ ref: input.ref, status: input.status });
      }
      if (input.recordContext) await d.records.completeActions({ context: input.recordContext, status: input.status });
      if (input.signal) await d.monitor.signalEffectivenessMonitor(input.signal);
      if (input.releaseFinalizer) await d.workflowExecutions.removeExecutionFinalizer(input.ref);
    },
  };
}

export type ExecutionStepActivities = ReturnType<typeof createExecutionStepActivities>;
