/**
 * The steps of a WorkflowExecution's run, batched so that each costs one local activity — no workflow-task
 * round trip of its own — instead of one activity per call (issue #13, README "Decisions"):
 *
 * - beginExecution: validate (the worker's policy) → ask for the target (issue #12) and add the finalizer →
 *   on a busy target, write the Pending status that says where the WFE stands and return; else create or
 *   adopt the PipelineRun → write the status that names it → record one `executing` action record per step;
 * - finishExecution: write the final status → finish the action records → signal the Effectiveness
 *   Monitor → let go of the target → release the finalizer.
 *
 * On the way they create the WFE's Kubernetes Events (issue #15): PipelineRunCreated, WaitingForTarget and
 * TargetAcquired in beginExecution; the terminal one (WorkflowCompleted, WorkflowFailed, WorkflowCancelled)
 * in finishExecution, before the finalizer goes, so a deleted WFE's Event exists while it terminates.
 *
 * Every call in them is idempotent (finalizer list, deterministic PipelineRun name with adoption, status
 * patches that converge, `INSERT … ON CONFLICT` records, a monitor that deduplicates, Events named after
 * the WFE's uid and the transition), so a local activity
 * retried from its start — after a transient error, or on another worker after a crash in the middle —
 * converges on the same state: a crash leaves at most a finalizer, a PipelineRun or a status that the retry
 * finds and keeps. Errors that retrying cannot fix (a PipelineRun of that name owned by another WFE, 403)
 * are returned as `refused`, with the state begun so far, for the workflow to end the run with.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { RemediationTerminal } from '../domain/effectiveness/remediation-terminal';
import { initialWorkflowExecutionStatus, targetAcquiredStatus, waitingForTargetStatus } from '../domain/status';
import type { LockAnswer, Release } from '../domain/target-lock';
import type { ValidationError } from '../domain/validation-errors';
import { failureReasonOf } from '../domain/activity-failures';
import { EXECUTION_FINALIZER } from '../domain/names';
import {
  targetCooldownMsOf,
  type FailureReason,
  type WorkflowExecution,
  type WorkflowExecutionStatus,
} from '../domain/workflow-execution';
import { actionRecordContextOf, type ActionRecordContext } from '../domain/action-record-context';
import { newlyFailedSteps } from '../domain/workflow-execution-events';
import type { ActionRecordActivities } from './action-records';
import type { PipelineRunActivities, PipelineRunRef } from './pipeline-runs';
import type { RemediationSignalActivities } from './remediation-signal';
import type { TargetLockCalls } from './target-locks';
import type { RecordWorkflowExecutionEvent } from './workflow-execution-events';
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
  /**
   * Ask for the target before creating the PipelineRun (absent: runs started before the lock existed, or
   * a worker with the lock switched off). `acquiredAt` once the lock granted it to this run, which waited.
   */
  targetLock?: { startedAt: number; requestedAt: string; acquiredAt?: string };
  /**
   * When the WFE's own timeout passes (epoch ms, workflow time; deadlineAt minus the grace Tekton gets).
   * A PipelineRun created after waiting for the target gets only what is left of it.
   */
  timeoutAt?: number;
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
      /** The run holds its target's lock (to release when it ends). */
      holdsTarget: boolean;
    }
  | {
      /** The target is busy or resting: the WFE is queued, its Pending status says where. */
      kind: 'waiting';
      workflowExecution: WorkflowExecution;
      status: WorkflowExecutionStatus;
      resourceVersion?: string;
    }
  | {
      /** Nothing was run: the PipelineRun could not be created (retrying would not help) or the deadline passed. */
      kind: 'refused';
      workflowExecution: WorkflowExecution;
      reason: FailureReason;
      message: string;
      status: WorkflowExecutionStatus;
      holdsTarget: boolean;
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
  /** Let go of the target (the run asked for it): release it, or leave its queue. */
  releaseTarget?: { target: string; release: Release };
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
  /** The per-target lock; absent when the worker runs without it (KUBERNAUT_TARGET_LOCK=false). */
  targetLocks?: TargetLockCalls & { defaultCooldownMs: number };
  /** Creates the WFE's Kubernetes Events; never throws. Absent: no Events. */
  recordEvent?: RecordWorkflowExecutionEvent;
}

/**
 * The finalizers a WFE is expected to carry when its run begins (none: it was just created) and when it
 * finishes (the run's own). Right, they save the finalizer updates their reads; wrong (another controller's
 * finalizer, a retried step), the update finds out by itself and reads (updateFinalizers).
 */
const FINALIZERS_AT_BEGIN: string[] = [];
const FINALIZERS_AT_FINISH = [EXECUTION_FINALIZER];
/** What a begin step expects: a run that begins again once its target is free added the finalizer already. */
const finalizersAtBegin = (input: BeginExecutionInput) =>
  input.targetLock?.acquiredAt === undefined ? FINALIZERS_AT_BEGIN : undefined;

/** A failure retrying will not fix (non-retryable ApplicationFailure), else undefined. */
function permanent(err: unknown): ApplicationFailure | undefined {
  return err instanceof ApplicationFailure && err.nonRetryable ? err : undefined;
}

export function createExecutionStepActivities(d: ExecutionStepDependencies) {
  const recordEvent: RecordWorkflowExecutionEvent = d.recordEvent ?? (async () => undefined);
  return {
    async beginExecution(input: BeginExecutionInput): Promise<BeginExecutionResult> {
      const validation = await d.workflowExecutions.validateWorkflowExecution(input.workflowExecution);
      if (!validation.ok) return { kind: 'invalid', errors: validation.errors };
      const wfe = validation.value;
      const recordContext = actionRecordContextOf(wfe, input.temporal, input.executionStartedAt);
      const initial = initialWorkflowExecutionStatus(wfe, input.now, { temporal: input.temporal });
      const lock = d.targetLocks && input.targetLock;
      let begun = initial;
      let holdsTarget = lock?.acquiredAt !== undefined;
      const refused = (reason: FailureReason, message: string): BeginExecutionResult => ({
        kind: 'refused',
        workflowExecution: wfe,
        reason,
        message,
        status: begun,
        holdsTarget,
      });
      if (Date.now() > input.deadlineAt) {
        const finalizer = await d.workflowExecutions.addExecutionFinalizer(input.ref, finalizersAtBegin(input));
        if (finalizer === 'gone') return { kind: 'gone' };
        return refused('DeadlineExceeded', 'the WorkflowExecution could not be started within its timeout');
      }
      // The target and the finalizer at once: the lock's answer is a Temporal round trip, the finalizer an
      // API server one, and neither needs the other. The request goes out before any other call, so WFEs
      // applied together reach the lock in about the order their workflows started (what it orders by).
      // Both are idempotent: a retry after either failed asks again for the same place and finalizer.
      const [answer, finalizer] = await Promise.all([
        lock && lock.acquiredAt === undefined
          ? d.targetLocks!.request(
              wfe.spec.targetResource,
              {
                requester: input.temporal.workflowId,
                workflowExecution: `${input.ref.namespace}/${input.ref.name}`,
                createdAt: wfe.metadata.creationTimestamp,
                createdRevision: wfe.metadata.resourceVersion,
                startedAt: lock.startedAt,
                cooldownMs: targetCooldownMsOf(wfe.spec, d.targetLocks!.defaultCooldownMs),
              },
              input.deadlineAt,
            )
          : Promise.resolve<LockAnswer | undefined>(undefined),
        d.workflowExecutions.addExecutionFinalizer(input.ref, finalizersAtBegin(input)),
      ]);
      if (finalizer === 'gone') {
        // Deleted before anything ran: give the target (or the place in its queue) back at once.
        if (answer) {
          await d.targetLocks!.release(wfe.spec.targetResource, {
            requester: input.temporal.workflowId,
            completedAt: Date.now(),
            ran: false,
          });
        }
        return { kind: 'gone' };
      }
      if (answer && !answer.granted) {
        const status = waitingForTargetStatus({
          previous: initial,
          target: wfe.spec.targetResource,
          view: answer,
          requestedAt: lock!.requestedAt,
          now: input.now,
        });
        const written = await d.workflowExecutions.writeObservedStatus({ ref: input.ref, status });
        // One Event per wait: later changes of its place in the queue are status writes only (the workflow's).
        await recordEvent(input.ref, { kind: 'WaitingForTarget', target: wfe.spec.targetResource, view: answer });
        return {
          kind: 'waiting',
          workflowExecution: wfe,
          status,
          resourceVersion: written.outcome === 'written' ? written.resourceVersion : undefined,
        };
      }
      if (lock?.acquiredAt !== undefined && input.timeoutAt !== undefined && Date.now() >= input.timeoutAt) {
        return refused('TargetWaitTimeout', 'never ran: the timeout passed by the time the target was free');
      }
      if (lock) {
        holdsTarget = true;
        begun = targetAcquiredStatus({
          previous: initial,
          requestedAt: lock.requestedAt,
          // Granted at the first ask: it did not wait (the moments in between are this call's own latency).
          acquiredAt: lock.acquiredAt ?? lock.requestedAt,
        });
        if (lock.acquiredAt !== undefined) {
          const target = wfe.spec.targetResource;
          await recordEvent(input.ref, { kind: 'TargetAcquired', target, waited: begun.targetLock?.waited });
        }
      }
      let pipelineRunRef: PipelineRunRef;
      try {
        pipelineRunRef = (
          await d.pipelineRuns.createPipelineRun({
            workflowExecution: wfe,
            temporalWorkflowId: input.temporal.workflowId,
            ...(lock?.acquiredAt !== undefined &&
              input.timeoutAt !== undefined && { remainingTimeoutMs: input.timeoutAt - Date.now() }),
          })
        ).pipelineRunRef;
      } catch (err) {
        const failure = permanent(err);
        if (!failure) throw err;
        return refused(failureReasonOf(failure.type ?? undefined), failure.message);
      }
      // Before the status write: a retry of this step after that write failed finds the Event and adds none.
      await recordEvent(input.ref, {
        kind: 'PipelineRunCreated',
        pipelineRun: pipelineRunRef,
        steps: wfe.spec.steps.length,
      });
      const status: WorkflowExecutionStatus = { ...begun, pipelineRunRef };
      const written = await d.workflowExecutions.writeObservedStatus({ ref: input.ref, status });
      await d.records.recordActions(recordContext);
      return {
        kind: 'started',
        workflowExecution: wfe,
        pipelineRunRef,
        status,
        resourceVersion: written.outcome === 'written' ? written.resourceVersion : undefined,
        holdsTarget,
      };
    },

    async finishExecution(input: FinishExecutionInput): Promise<void> {
      if (input.writeStatus !== false) {
        await d.workflowExecutions.syncWorkflowExecutionStatus({ ref: input.ref, status: input.status });
        // A status the workflow decided (deadline, cancellation, deleted PipelineRun): steps it failed that
        // the waiting activity never saw failing get their Event here (those it saw: AlreadyExists, kept).
        for (const step of newlyFailedSteps(undefined, input.status)) {
          await recordEvent(input.ref, { kind: 'StepFailed', step });
        }
      }
      // Before the finalizer goes: a deleted WFE still exists, terminating, when its Event is created.
      await recordEvent(input.ref, { kind: 'Finished', status: input.status });
      if (input.recordContext) await d.records.completeActions({ context: input.recordContext, status: input.status });
      if (input.signal) await d.monitor.signalEffectivenessMonitor(input.signal);
      if (input.releaseTarget && d.targetLocks) {
        await d.targetLocks.release(input.releaseTarget.target, input.releaseTarget.release);
      }
      if (input.releaseFinalizer) {
        await d.workflowExecutions.removeExecutionFinalizer(input.ref, FINALIZERS_AT_FINISH);
      }
    },
  };
}

export type ExecutionStepActivities = ReturnType<typeof createExecutionStepActivities>;
