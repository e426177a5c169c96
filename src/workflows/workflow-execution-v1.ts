/**
 * The first release's code path of workflowExecutionWorkflow, kept so that runs it started replay and finish
 * after an upgrade (workflow-execution.ts chooses it with `patched()`): one activity, hence one workflow task,
 * per step. Remove it (and the patch check) once no run started before the lean path is open — see the
 * README, "Upgrading workers". Do not change the order of its commands.
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
 *
 * The main function below is that sequence; each step is a named function after it, in the same order.
 */
import {
  CancellationScope,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActionRecordActivities, ActionRecordContext } from '../activities/action-records';
import type { PipelineRunActivities, PipelineRunRef } from '../activities/pipeline-runs';
import type { RemediationSignalActivities } from '../activities/remediation-signal';
import type {
  WorkflowExecutionActivities,
  WorkflowExecutionRef,
  WriteOutcome,
} from '../activities/workflow-executions';
import { failureReasonOf } from '../domain/activity-failures';
import {
  executionTerminalSignal,
  rejectedExecutionTerminalSignal,
} from '../domain/effectiveness/workflow-execution-signal';
import { remediationOf, type RemediationKey } from '../domain/remediation';
import {
  failedWorkflowExecutionStatus,
  initialWorkflowExecutionStatus,
  interruptedWorkflowExecutionStatus,
} from '../domain/status/transitions'; // not the entry point: it would bundle the mapping (workflow-execution.ts)
import { formatValidationErrors, type ValidationError } from '../domain/validation-errors';
import {
  executionTimeoutOf,
  isTerminalPhase,
  type FailureReason,
  type WorkflowExecution,
} from '../domain/workflow-execution';
import { permanentFailure } from './permanent-failure';
import { StatusPublisher } from './status-publisher';
import {
  DELETED_BEFORE_START,
  resultOf,
  statusQuery,
  WAIT_TIMEOUT_SLACK_MS,
  WORKFLOW_EXECUTION_DEFAULTS,
  type ResolvedOptions,
  type WorkflowExecutionInput,
  type WorkflowExecutionResult,
} from './workflow-execution-contract';

/** The activities of a run, each with its timeouts; all retry with the run's backoff until the deadline. */
function activitiesOf(o: ResolvedOptions) {
  const retry = {
    initialInterval: o.retryInitialIntervalMs,
    maximumInterval: o.retryMaximumIntervalMs,
    backoffCoefficient: 2,
  };
  return {
    // Validation: local, so the worker's image policy applies; pure, so 10 s is plenty.
    validation: proxyLocalActivities<WorkflowExecutionActivities>({ startToCloseTimeout: '10 seconds' }),
    // Quick calls: a hung request is abandoned and retried after 20 s rather than stalling the execution.
    kubernetes: proxyActivities<WorkflowExecutionActivities & PipelineRunActivities>({
      startToCloseTimeout: '20 seconds',
      retry,
    }),
    records: proxyActivities<ActionRecordActivities>({ startToCloseTimeout: '20 seconds', retry }),
    monitor: proxyActivities<RemediationSignalActivities>({ startToCloseTimeout: '20 seconds', retry }),
    /** The wait for PipelineRun changes: as long as the execution may take, heartbeating. */
    waiting: (deadlineMs: number) =>
      proxyActivities<PipelineRunActivities>({
        startToCloseTimeout: deadlineMs + WAIT_TIMEOUT_SLACK_MS,
        heartbeatTimeout: o.heartbeatTimeoutMs,
        retry,
      }),
  };
}

/** What every step of a run shares. */
interface Run {
  ref: WorkflowExecutionRef;
  options: ResolvedOptions;
  activities: ReturnType<typeof activitiesOf>;
  status: StatusPublisher;
}

/** A run whose spec passed validation. */
interface Execution extends Run {
  wfe: WorkflowExecution;
  remediation: RemediationKey;
  timeout: { text: string; ms: number };
  /** The timeout plus the grace Tekton gets to report its own timeout first. */
  deadlineMs: number;
  recordContext: ActionRecordContext;
  waiting: PipelineRunActivities;
  /** Set once step 2 created (or adopted) it. */
  pipelineRunRef?: PipelineRunRef;
}

/** Why an execution stopped before its PipelineRun finished. */
interface Interruption {
  reason: FailureReason;
  message: string;
  /** The workflow itself was cancelled: rethrown once the cleanup is done, so the run ends cancelled. */
  cancellation?: unknown;
}

export async function workflowExecutionV1(input: WorkflowExecutionInput): Promise<WorkflowExecutionResult> {
  const run = beginRun(input);
  // 1. Validate.
  const validation = await run.activities.validation.validateWorkflowExecution(input.workflowExecution);
  if (!validation.ok) return rejectInvalidSpec(run, input.workflowExecution, validation.errors);
  const execution = beginExecution(run, validation.value);
  if ((await takeWorkflowExecution(execution)) === 'gone') return DELETED_BEFORE_START;

  const interruption = await runWithinDeadline(execution, async () => {
    await createPipelineRun(execution); // 2
    await execution.activities.records.recordActions(execution.recordContext); // 3
    await followPipelineRun(execution); // 4
  });
  if (interruption) await CancellationScope.nonCancellable(() => stopExecution(execution, interruption));
  // 5, 6 and the finalizer. Shielded: a cancellation arriving now (the WFE deleted as it completes) must
  // not skip the monitor signal or leave the finalizer behind.
  const result = await CancellationScope.nonCancellable(() => finish(execution));
  if (interruption?.cancellation) throw interruption.cancellation;
  return result;
}

function beginRun(input: WorkflowExecutionInput): Run {
  const options = { ...WORKFLOW_EXECUTION_DEFAULTS, ...input.options };
  const info = workflowInfo();
  const { namespace, name, uid } = input.workflowExecution.metadata;
  const ref: WorkflowExecutionRef = { namespace, name, uid };
  const activities = activitiesOf(options);
  const status = new StatusPublisher({
    ref,
    temporal: { namespace: info.namespace, workflowId: info.workflowId, runId: info.runId },
    sync: activities.kubernetes.syncWorkflowExecutionStatus,
  });
  setHandler(statusQuery, () => status.current);
  return { ref, options, activities, status };
}

/** Step 1 failed: the WFE ends Failed/ConfigurationError naming every problem; no PipelineRun, no records. */
async function rejectInvalidSpec(
  run: Run,
  rejected: WorkflowExecutionInput['workflowExecution'],
  errors: ValidationError[],
): Promise<WorkflowExecutionResult> {
  const message = `invalid WorkflowExecution: ${formatValidationErrors(errors)}`;
  await run.status.publish(
    failedWorkflowExecutionStatus({
      reason: 'ConfigurationError',
      message,
      now: new Date(),
      wasExecutionFailure: false,
      workflowExecution: rejected,
    }),
  );
  const signal = rejectedExecutionTerminalSignal(rejected, run.ref, 'Failed', new Date());
  if (signal) await run.activities.monitor.signalEffectivenessMonitor(signal);
  else
    log.warn('invalid WorkflowExecution has no usable remediation/target: effectiveness not signalled', {
      ref: run.ref,
    });
  return { phase: 'Failed', reason: 'ConfigurationError', message, status: run.status.current };
}

function beginExecution(run: Run, wfe: WorkflowExecution): Execution {
  const info = workflowInfo();
  const remediation = remediationOf(wfe.spec.remediationRequestRef, wfe.metadata.namespace);
  run.status.describeRunAs({
    namespace: run.ref.namespace,
    name: run.ref.name,
    remediation: remediation.id,
    target: wfe.spec.targetResource,
    actionTypes: wfe.spec.steps.map((s) => s.actionType),
  });
  const timeout = executionTimeoutOf(wfe.spec);
  const deadlineMs = timeout.ms + run.options.deadlineGraceMs;
  return {
    ...run,
    wfe,
    remediation,
    timeout,
    deadlineMs,
    recordContext: {
      workflowExecution: wfe,
      temporalWorkflowId: info.workflowId,
      temporalRunId: info.runId,
      executionStartedAt: new Date(info.startTime).toISOString(),
    },
    waiting: run.activities.waiting(deadlineMs),
  };
}

/** The WFE shows it is taken (Pending), then gets the finalizer that keeps it until the cleanup is done. */
async function takeWorkflowExecution(x: Execution): Promise<WriteOutcome> {
  const initial = initialWorkflowExecutionStatus(x.wfe, new Date(), { temporal: x.status.temporal });
  if ((await x.status.publish(initial)) === 'gone') {
    log.info('WorkflowExecution no longer exists: nothing to execute', { ref: x.ref });
    return 'gone';
  }
  return x.activities.kubernetes.addExecutionFinalizer(x.ref);
}

/**
 * Runs `work` until it ends or the deadline passes. Returns why it was interrupted (the deadline, the
 * workflow's cancellation, a permanent activity failure), or undefined when it ran to its end; anything
 * else is rethrown as it is.
 */
async function runWithinDeadline(x: Execution, work: () => Promise<void>): Promise<Interruption | undefined> {
  let deadlineExceeded = false;
  const scope = new CancellationScope();
  sleep(x.deadlineMs)
    .then(() => {
      deadlineExceeded = true;
      scope.cancel();
    })
    .catch(() => undefined); // the workflow itself was cancelled or finished
  try {
    await scope.run(work);
    return undefined;
  } catch (err) {
    if (isCancellation(err) && deadlineExceeded) {
      return {
        reason: 'DeadlineExceeded',
        message: `the WorkflowExecution did not finish within its timeout of ${x.timeout.text}`,
      };
    }
    if (isCancellation(err)) {
      return {
        reason: 'Cancelled',
        message: 'the execution was cancelled (its WorkflowExecution was deleted or the workflow cancelled)',
        cancellation: err,
      };
    }
    const permanent = permanentFailure(err);
    if (!permanent) throw err;
    return { reason: failureReasonOf(permanent.type), message: permanent.message };
  }
}

/** Step 2: the PipelineRun (created, or adopted when a retried create finds ours), shown in the status. */
async function createPipelineRun(x: Execution): Promise<void> {
  const created = await x.activities.kubernetes.createPipelineRun({
    workflowExecution: x.wfe,
    temporalWorkflowId: workflowInfo().workflowId,
  });
  x.pipelineRunRef = created.pipelineRunRef;
  await x.status.publish({ ...x.status.current!, pipelineRunRef: x.pipelineRunRef });
}

/** Step 4: waits for PipelineRun changes, publishing each, until the status is terminal (or the PR vanished). */
async function followPipelineRun(x: Execution): Promise<void> {
  const pipelineRunRef = x.pipelineRunRef!;
  let fingerprint: string | undefined;
  while (!isTerminalPhase(x.status.current?.phase)) {
    const change = await x.waiting.awaitPipelineRunChange({
      workflowExecution: x.wfe,
      pipelineRunRef,
      previous: x.status.current!,
      lastFingerprint: fingerprint,
      heartbeatIntervalMs: Math.max(1_000, Math.floor(x.options.heartbeatTimeoutMs / 3)),
    });
    if (change.kind === 'deleted') {
      const message = `PipelineRun ${pipelineRunRef.namespace}/${pipelineRunRef.name} was deleted before it finished`;
      await x.status.publish(
        failedWorkflowExecutionStatus({
          reason: 'PipelineRunDeleted',
          message,
          previous: x.status.current,
          now: new Date(),
        }),
      );
      return;
    }
    fingerprint = change.fingerprint;
    await x.status.publish(change.status);
  }
}

/**
 * Stops the PipelineRun and marks the WFE Failed with the interruption's reason. Tekton gets a bounded
 * time to report the cancellation, so steps that finished keep their real outcome; the failure is then
 * attributed to its cause, not to the cancellation the workflow itself requested.
 */
async function stopExecution(x: Execution, { reason, message }: Interruption): Promise<void> {
  if (x.pipelineRunRef && !isTerminalPhase(x.status.current?.phase)) {
    await x.activities.kubernetes.cancelPipelineRun(x.pipelineRunRef);
    try {
      await CancellationScope.withTimeout(x.options.cancellationWaitMs, () => followPipelineRun(x));
    } catch (err) {
      if (!isCancellation(err)) throw err;
    }
  }
  const stopped = interruptedWorkflowExecutionStatus({ seen: x.status.current!, reason, message, now: new Date() });
  if (stopped) await x.status.publish(stopped);
}

/** Steps 5 and 6, and the finalizer: the end of every path that got past validation. */
async function finish(x: Execution): Promise<WorkflowExecutionResult> {
  const final = x.status.current!;
  await x.activities.records.completeActions({ context: x.recordContext, status: final });
  await x.activities.monitor.signalEffectivenessMonitor(
    executionTerminalSignal({
      remediation: x.remediation,
      workflowExecution: x.ref,
      target: x.wfe.spec.targetResource,
      actionTypes: x.wfe.spec.steps.map((s) => s.actionType),
      status: final,
      now: new Date(),
    }),
  );
  await x.activities.kubernetes.removeExecutionFinalizer(x.ref);
  return resultOf(final, x.pipelineRunRef);
}
