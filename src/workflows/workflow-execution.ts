/**
 * workflowExecutionWorkflow: one durable run per WorkflowExecution resource (DESIGN.md §1).
 *
 *   1 validate the spec               (local activity with the worker's policy; invalid → Failed/ConfigurationError)
 *   2 create the Tekton PipelineRun    (idempotent: deterministic name, adopt when ours)
 *   3 record one action record per step
 *   4 wait for the PipelineRun, syncing every change into the WFE status
 *   5 finish the action records with the outcomes
 *   6 signal the Effectiveness Monitor
 *
 * Around it: the WFE's `spec.timeout` is enforced here (after a grace that lets Tekton report its own
 * timeout first); cancelling the workflow (the WFE was deleted) cancels the PipelineRun and finishes the
 * records as cancelled; a finalizer keeps the WFE until that cleanup is done. All waiting happens inside
 * activities, so the history grows with PipelineRun changes, not with time.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  defineQuery,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActionRecordActivities, ActionRecordContext } from '../activities/action-records';
import type { PipelineRunActivities, PipelineRunRef } from '../activities/pipeline-runs';
import type { RemediationSignalActivities } from '../activities/remediation-signal';
import type { WorkflowExecutionActivities, WorkflowExecutionRef } from '../activities/workflow-executions';
import { failureReasonOf } from '../domain/activity-failures';
import { parseGoDuration } from '../domain/duration';
import {
  executionTerminalSignal,
  rejectedExecutionTerminalSignal,
} from '../domain/effectiveness/workflow-execution-signal';
import { remediationOf } from '../domain/remediation';
import { failedWorkflowExecutionStatus, initialWorkflowExecutionStatus } from '../domain/status';
import { formatValidationErrors } from '../domain/validation';
import {
  DEFAULT_EXECUTION_TIMEOUT,
  isTerminalPhase,
  type FailureReason,
  type WorkflowExecutionStatus,
} from '../domain/workflow-execution';
import { workflowExecutionSearchAttributes } from '../workflows/search-attributes';
import { describeStatus } from './workflow-execution-details';

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
  /** The resource as the API server returned it (metadata incl. uid, and spec); validated in step 1. */
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

/** The WFE status as the workflow currently knows it (what it last wrote, or is about to). */
export const statusQuery = defineQuery<WorkflowExecutionStatus | undefined>('status');

const DEFAULTS = {
  heartbeatTimeoutMs: 30_000,
  deadlineGraceMs: 60_000,
  cancellationWaitMs: 60_000,
  retryInitialIntervalMs: 1_000,
  retryMaximumIntervalMs: 30_000,
};

/** An activity failure that retrying will not fix, with the ApplicationFailure type the activity gave it. */
function permanentFailure(err: unknown): { type?: string; message: string } | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.nonRetryable)
    return { type: cause.type ?? undefined, message: cause.message };
  return undefined;
}

export async function workflowExecutionWorkflow(input: WorkflowExecutionInput): Promise<WorkflowExecutionResult> {
  const o = { ...DEFAULTS, ...input.options };
  const info = workflowInfo();
  const raw = input.workflowExecution;
  const ref: WorkflowExecutionRef = {
    namespace: raw.metadata.namespace,
    name: raw.metadata.name,
    uid: raw.metadata.uid,
  };
  const temporal = { namespace: info.namespace, workflowId: info.workflowId, runId: info.runId };
  const retry = {
    initialInterval: o.retryInitialIntervalMs,
    maximumInterval: o.retryMaximumIntervalMs,
    backoffCoefficient: 2,
  };

  const { validateWorkflowExecution } = proxyLocalActivities<WorkflowExecutionActivities>({
    startToCloseTimeout: '10 seconds',
  });
  // Quick calls: a hung request is abandoned and retried after 20 s rather than stalling the execution.
  const k8s = proxyActivities<WorkflowExecutionActivities & PipelineRunActivities>({
    startToCloseTimeout: '20 seconds',
    retry,
  });
  const records = proxyActivities<ActionRecordActivities>({ startToCloseTimeout: '20 seconds', retry });
  const monitor = proxyActivities<RemediationSignalActivities>({ startToCloseTimeout: '20 seconds', retry });

  let status: WorkflowExecutionStatus | undefined;
  setHandler(statusQuery, () => status);
  let lastPhase: string | undefined;

  /** Writes the status to the WFE, the UI details and (on a phase change) the search attributes. */
  async function publish(
    next: WorkflowExecutionStatus,
    attributes?: Parameters<typeof workflowExecutionSearchAttributes>[0],
  ) {
    status = { ...next, temporal };
    setCurrentDetails(describeStatus(ref, status));
    if (status.phase !== lastPhase) {
      lastPhase = status.phase;
      upsertSearchAttributes(
        workflowExecutionSearchAttributes(
          attributes ?? { namespace: ref.namespace, name: ref.name, phase: status.phase },
        ),
      );
    }
    return k8s.syncWorkflowExecutionStatus({ ref, status });
  }

  // 1. Validate.
  const validation = await validateWorkflowExecution(raw);
  if (!validation.ok) {
    const message = `invalid WorkflowExecution: ${formatValidationErrors(validation.errors)}`;
    const failed = failedWorkflowExecutionStatus({
      reason: 'ConfigurationError',
      message,
      now: new Date(),
      wasExecutionFailure: false,
      workflowExecution: raw,
    });
    await publish(failed);
    const signal = rejectedExecutionTerminalSignal(raw, ref, 'Failed', new Date());
    if (signal) await monitor.signalEffectivenessMonitor(signal);
    else log.warn('invalid WorkflowExecution has no usable remediation/target: effectiveness not signalled', { ref });
    return { phase: 'Failed', reason: 'ConfigurationError', message, status };
  }
  const wfe = validation.value;
  const remediation = remediationOf(wfe.spec.remediationRequestRef, wfe.metadata.namespace);
  const attributes = (phase: string) => ({
    namespace: ref.namespace,
    name: ref.name,
    remediation: remediation.id,
    target: wfe.spec.targetResource,
    actionTypes: wfe.spec.steps.map((s) => s.actionType),
    phase,
  });
  const recordContext: ActionRecordContext = {
    workflowExecution: wfe,
    temporalWorkflowId: info.workflowId,
    temporalRunId: info.runId,
    executionStartedAt: new Date(info.startTime).toISOString(),
  };

  if (
    (await publish(initialWorkflowExecutionStatus(wfe, new Date(), { temporal }), attributes('Pending'))) === 'gone'
  ) {
    log.info('WorkflowExecution no longer exists: nothing to execute', { ref });
    return { phase: 'Failed', reason: 'Cancelled', message: 'the WorkflowExecution was deleted before it started' };
  }
  if ((await k8s.addExecutionFinalizer(ref)) === 'gone') {
    return { phase: 'Failed', reason: 'Cancelled', message: 'the WorkflowExecution was deleted before it started' };
  }

  let pipelineRunRef: PipelineRunRef | undefined;
  const heartbeat = {
    startToCloseTimeout: parseGoDuration(wfe.spec.timeout ?? DEFAULT_EXECUTION_TIMEOUT) + o.deadlineGraceMs + 300_000,
    heartbeatTimeout: o.heartbeatTimeoutMs,
    retry,
  };
  const { awaitPipelineRunChange } = proxyActivities<PipelineRunActivities>(heartbeat);

  /** Waits for PipelineRun changes, publishing each, until the status is terminal (or the PR vanished). */
  async function followPipelineRun(): Promise<void> {
    let fingerprint: string | undefined;
    while (!isTerminalPhase(status?.phase)) {
      const change = await awaitPipelineRunChange({
        workflowExecution: wfe,
        pipelineRunRef: pipelineRunRef!,
        previous: status!,
        lastFingerprint: fingerprint,
        heartbeatIntervalMs: Math.max(1_000, Math.floor(o.heartbeatTimeoutMs / 3)),
      });
      if (change.kind === 'deleted') {
        const message = `PipelineRun ${pipelineRunRef!.namespace}/${pipelineRunRef!.name} was deleted before it finished`;
        await publish(
          failedWorkflowExecutionStatus({ reason: 'PipelineRunDeleted', message, previous: status, now: new Date() }),
          attributes('Failed'),
        );
        return;
      }
      fingerprint = change.fingerprint;
      await publish(change.status, attributes(change.status.phase));
    }
  }

  /** Steps 5 and 6, and the finalizer: the end of every path that got past validation. */
  async function finish(): Promise<WorkflowExecutionResult> {
    const final = status!;
    await records.completeActions({ context: recordContext, status: final });
    await monitor.signalEffectivenessMonitor(
      executionTerminalSignal({
        remediation,
        workflowExecution: ref,
        target: wfe.spec.targetResource,
        actionTypes: wfe.spec.steps.map((s) => s.actionType),
        status: final,
        now: new Date(),
      }),
    );
    await k8s.removeExecutionFinalizer(ref);
    return {
      phase: final.phase === 'Completed' ? 'Completed' : 'Failed',
      reason: final.failureDetails?.reason,
      message: final.failureDetails?.message,
      pipelineRunRef,
      status: final,
    };
  }

  /**
   * Stops the PipelineRun and marks the WFE Failed with `reason` (deadline, cancellation, permanent error).
   * Tekton gets a bounded time to report the cancellation, so steps that finished keep their real outcome;
   * the failure is then attributed to its cause, not to the cancellation the workflow itself requested.
   */
  async function stop(reason: FailureReason, message: string): Promise<void> {
    if (pipelineRunRef && !isTerminalPhase(status?.phase)) {
      await k8s.cancelPipelineRun(pipelineRunRef);
      try {
        await CancellationScope.withTimeout(o.cancellationWaitMs, followPipelineRun);
      } catch (err) {
        if (!isCancellation(err)) throw err;
      }
    }
    const seen = status!;
    if (seen.phase === 'Completed' || seen.failureDetails?.reason === reason) return;
    const unfinished = isTerminalPhase(seen.phase)
      ? { ...seen, phase: 'Running' as const, failureDetails: undefined, completionTime: undefined }
      : seen;
    const failed = failedWorkflowExecutionStatus({
      reason,
      message,
      previous: unfinished,
      now: seen.completionTime ? new Date(seen.completionTime) : new Date(),
    });
    await publish(failed, attributes('Failed'));
  }

  const deadlineMs = parseGoDuration(wfe.spec.timeout ?? DEFAULT_EXECUTION_TIMEOUT) + o.deadlineGraceMs;
  let deadlineExceeded = false;
  const execution = new CancellationScope();
  sleep(deadlineMs)
    .then(() => {
      deadlineExceeded = true;
      execution.cancel();
    })
    .catch(() => undefined); // the workflow itself was cancelled or finished

  try {
    await execution.run(async () => {
      // 2. Create the PipelineRun; 3. record the actions.
      pipelineRunRef = (await k8s.createPipelineRun({ workflowExecution: wfe, temporalWorkflowId: info.workflowId }))
        .pipelineRunRef;
      await publish({ ...status!, pipelineRunRef }, attributes(status!.phase));
      await records.recordActions(recordContext);
      // 4. Wait, syncing every change.
      await followPipelineRun();
    });
  } catch (err) {
    if (isCancellation(err) && deadlineExceeded) {
      await CancellationScope.nonCancellable(() =>
        stop(
          'DeadlineExceeded',
          `the WorkflowExecution did not finish within its timeout of ${wfe.spec.timeout ?? DEFAULT_EXECUTION_TIMEOUT}`,
        ),
      );
      return CancellationScope.nonCancellable(finish);
    }
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        await stop(
          'Cancelled',
          'the execution was cancelled (its WorkflowExecution was deleted or the workflow cancelled)',
        );
        await finish();
      });
      throw err;
    }
    const permanent = permanentFailure(err);
    if (!permanent) throw err;
    await CancellationScope.nonCancellable(() => stop(failureReasonOf(permanent.type), permanent.message));
    return CancellationScope.nonCancellable(finish);
  }
  // 5, 6. Shielded: a cancellation arriving now (the WFE deleted as it completes) must not skip the monitor
  // signal or leave the finalizer behind.
  return CancellationScope.nonCancellable(finish);
}
