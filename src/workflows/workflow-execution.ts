/**
 * workflowExecutionWorkflow: one durable run per WorkflowExecution resource (DESIGN.md §1).
 *
 *   1 validate the spec                 ┐
 *     take the target (its lock)        │
 *   2 create the Tekton PipelineRun     ├ one local activity, beginExecution (the worker's policy; idempotent)
 *   3 record one action record per step ┘
 *   4 wait for the PipelineRun, writing every change into the WFE status — one heartbeating activity
 *   5 finish the action records        ┐ one local activity, finishExecution (with the final status, the
 *   6 signal the Effectiveness Monitor ┘ target's release and the finalizer's)
 *
 * A run is three workflow tasks when nothing goes wrong: one to begin, one when the PipelineRun finished, one
 * to end (issue #13; README "Decisions"). When another WFE holds the target, or it rests after one, the run
 * waits for its turn (issue #12: the lock signals it, and where it stands, which goes into its Pending
 * status), then begins again holding the target; the timeout covers the wait. Around it: the WFE's `spec.timeout` is enforced here, counted
 * from the start of the run (after a grace that lets Tekton report its own timeout first); cancelling the
 * workflow (the WFE was deleted) cancels the PipelineRun and finishes the records as cancelled; a finalizer
 * keeps the WFE until that cleanup is done.
 *
 * A WFE that ends Failed fails the workflow too, once all of the above is done (run-outcome.ts, issue #15).
 *
 * Runs started by the first release take its code path (workflow-execution-v1.ts), chosen by `patched()`
 * so their histories replay unchanged; so do runs begun before the later changes (releaseOfRun).
 */
import {
  CancellationScope,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { BeginExecutionResult, ExecutionStepActivities, TemporalReference } from '../activities/execution-steps';
import type { PipelineRunActivities, PipelineRunRef } from '../activities/pipeline-runs';
import type { WorkflowExecutionActivities, WorkflowExecutionRef } from '../activities/workflow-executions';
import { actionRecordContextOf, type ActionRecordContext } from '../domain/action-record-context';
import { failureReasonOf } from '../domain/activity-failures';
import {
  executionTerminalSignal,
  rejectedExecutionTerminalSignal,
} from '../domain/effectiveness/workflow-execution-signal';
import { remediationOf, type RemediationKey } from '../domain/remediation';
// The status modules the workflow needs, not src/domain/status's entry point: that would bundle the PipelineRun
// mapping into every cached workflow (+4 KiB each, bench:workflow-memory), which only activities use.
import { failedWorkflowExecutionStatus, interruptedWorkflowExecutionStatus } from '../domain/status/transitions';
import { describeTargetWait, targetWaitEnded, waitingForTargetStatus } from '../domain/status/target-wait';
import type { WaitingView } from '../domain/target-lock';
import { tryParseGoDuration } from '../domain/duration';
import { pipelineRunName } from '../domain/pipeline-run';
import { readUnvalidatedWorkflowExecution } from '../domain/unvalidated-workflow-execution';
import { formatValidationErrors, type ValidationError } from '../domain/validation-errors';
import {
  DEFAULT_EXECUTION_TIMEOUT,
  isTerminalPhase,
  type FailureReason,
  type WorkflowExecution,
  type WorkflowExecutionStatus,
} from '../domain/workflow-execution';
import { permanentFailure } from './permanent-failure';
import { LOCAL_ATTEMPTS, quickThenDurableActivities } from './quick-then-durable';
import { endRun } from './run-outcome';
import { StatusPublisher } from './status-publisher';
import { targetGrantedSignal, targetQueueSignal } from './target-lock-contract';
import { workflowExecutionV1 } from './workflow-execution-v1';
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

export {
  statusQuery,
  type WorkflowExecutionInput,
  type WorkflowExecutionOptions,
  type WorkflowExecutionResult,
} from './workflow-execution-contract';

/** The patch id that marks runs taking this (lean) path. Never reuse it for another change. */
export const LEAN_EXECUTION_PATCH = 'lean-execution-2026-11';
/** The patch id of runs that take their target's lock (issue #12); runs begun before it never ask for it. */
export const TARGET_LOCK_PATCH = 'target-lock-2026-11';
/**
 * The patch id of runs begun on this release: the lean path, the target's lock, and a Failed WFE failing its
 * workflow — what LEAN_EXECUTION_PATCH, TARGET_LOCK_PATCH and FAILED_RUN_PATCH mark one at a time on the runs
 * begun before it. One marker for all three: every patch a run takes costs it a marker and an upsert of
 * Temporal's `TemporalChangeVersion` search attribute (two history events, a billable action and a visibility
 * write each). Never reuse it for another change; the next change adds a patch of its own (README "Upgrading
 * workers").
 */
export const RELEASE_2026_12_PATCH = 'workflow-execution-2026-12';

/**
 * Which release's path a run takes. A new run takes this release's and records one marker for it; a run begun
 * on an earlier release (its history has no such marker) replays on the path it began on, asking for the
 * patches it asked for then, in the same order — so its histories replay unchanged.
 */
type Release = 'first' | 'lean' | 'locked' | 'current';

function releaseOfRun(): Release {
  if (patched(RELEASE_2026_12_PATCH)) return 'current';
  if (!patched(LEAN_EXECUTION_PATCH)) return 'first';
  return patched(TARGET_LOCK_PATCH) ? 'locked' : 'lean';
}

/** The quick, idempotent calls of a run: its begin and finish steps, and what it writes or cancels meanwhile. */
type Steps = ExecutionStepActivities &
  Pick<PipelineRunActivities, 'cancelPipelineRun'> &
  Pick<WorkflowExecutionActivities, 'writeObservedStatus'>;

/**
 * The activities of a run, each with its timeouts; all retry with the run's backoff. Each call names what it
 * does in a one-line summary (the Web UI's timeline shows it on the event; issue #15), hence one proxy per call.
 */
function activitiesOf(o: ResolvedOptions, deadlineMs: number) {
  const retry = {
    initialInterval: o.retryInitialIntervalMs,
    maximumInterval: o.retryMaximumIntervalMs,
    backoffCoefficient: 2,
  };
  return {
    // Batched steps: a handful of quick calls; a hung one is abandoned after 30 s and the step retried. Local
    // activities inside the workflow task; a step still failing after LOCAL_ATTEMPTS goes on as a regular
    // activity, which the server retries without adding history events (quick-then-durable.ts).
    steps: (summary: string) =>
      quickThenDurableActivities(
        proxyLocalActivities<Steps>({
          startToCloseTimeout: '30 seconds',
          retry: { ...retry, maximumAttempts: LOCAL_ATTEMPTS },
          summary,
        }),
        proxyActivities<Steps>({ startToCloseTimeout: '30 seconds', retry, summary }),
      ),
    /** The wait for the PipelineRun: as long as the execution may take, heartbeating. */
    waiting: (summary: string) =>
      proxyActivities<Pick<PipelineRunActivities, 'awaitPipelineRunOutcome'>>({
        startToCloseTimeout: deadlineMs + WAIT_TIMEOUT_SLACK_MS,
        heartbeatTimeout: o.heartbeatTimeoutMs,
        retry,
        summary,
      }),
  };
}

/** A run as its input and its start define it, before the begin step validated its spec. */
interface Run {
  /** The WFE as the workflow received it (the begin step validates it). */
  received: WorkflowExecutionInput['workflowExecution'];
  ref: WorkflowExecutionRef;
  temporal: TemporalReference;
  /** When the run started (workflow time): its deadlines count from here. */
  startTime: Date;
  options: ResolvedOptions;
  activities: ReturnType<typeof activitiesOf>;
  status: StatusPublisher;
  timeoutText: string;
  /** Workflow time when the WFE's own timeout passes (deadlineAt without Tekton's grace). */
  timeoutAt: number;
  /** Workflow time when the execution's deadline (timeout + grace) passes. */
  deadlineAt: number;
  /** What the target's lock tells the run; absent in runs begun before the lock existed (TARGET_LOCK_PATCH). */
  turn?: TargetTurn;
}

/** A run whose spec passed validation and whose execution began. */
interface Execution extends Run {
  wfe: WorkflowExecution;
  remediation: RemediationKey;
  recordContext: ActionRecordContext;
  pipelineRunRef?: PipelineRunRef;
  /** After the last status write whose outcome the workflow knows (guards the waiting activity's writes). */
  resourceVersion?: string;
  /** Whether the current status is already on the WFE (written by the waiting activity). */
  statusWritten: boolean;
  /** The run asked for its target (so it lets go of it at the end: releases it, or leaves its queue). */
  askedForTarget: boolean;
}

/** What the begin step answers once the spec is known to be valid and the WFE to exist. */
type Begun = Exclude<BeginExecutionResult, { kind: 'invalid' } | { kind: 'gone' }>;
/** The begin step's answer when the target is busy or resting: the WFE is queued, Pending. */
type Waiting = Extract<Begun, { kind: 'waiting' }>;
/** The begin step's answer when the run holds its target (or needs none): the PipelineRun exists, or nothing ran. */
type Taken = Extract<Begun, { kind: 'started' | 'refused' }>;

/** What the run hears from its target's lock while it waits. */
interface TargetTurn {
  requestedAt: string;
  /** When the lock granted the target (set by its signal). */
  grantedAt?: string;
  /** Where the run stands, when the lock said something new not yet written to the status. */
  news?: WaitingView;
}

/** Why an execution stopped before its PipelineRun finished. */
interface Interruption {
  reason: FailureReason;
  message: string;
  /** The workflow itself was cancelled: rethrown once the cleanup is done, so the run ends cancelled. */
  cancellation?: unknown;
}

export async function workflowExecutionWorkflow(input: WorkflowExecutionInput): Promise<WorkflowExecutionResult> {
  const release = releaseOfRun();
  if (release === 'first') return workflowExecutionV1(input);
  const run = startRun(input, release);
  // 1, 2, 3 (taking the target on the way).
  const begun = await begin(run);
  if (begun.kind === 'invalid') return endRun(await rejectInvalidSpec(run, begun.errors), release === 'current');
  if (begun.kind === 'gone') {
    log.info('WorkflowExecution no longer exists: nothing to execute', { ref: run.ref });
    return DELETED_BEFORE_START;
  }
  const x = executionOf(run, begun);
  // Another WFE holds the target, or it rests: 2 and 3 once the turn came.
  const taken = begun.kind === 'waiting' ? await waitForTarget(x, begun) : begun;
  const interruption = 'interruption' in taken ? taken.interruption : await execute(x, taken); // 4
  if (interruption) await CancellationScope.nonCancellable(() => stopExecution(x, interruption));
  // 5, 6, the target and the finalizer. Shielded: a cancellation arriving now (the WFE deleted as it
  // completes) must not skip the monitor signal or leave the target or the finalizer behind.
  const result = await CancellationScope.nonCancellable(() => finish(x));
  if (interruption?.cancellation) throw interruption.cancellation;
  return endRun(result, release === 'current'); // a Failed WFE fails its workflow (run-outcome.ts)
}

/** The run from its input: where it reports, its deadlines and activities; it listens to its target's lock. */
function startRun(input: WorkflowExecutionInput, release: Exclude<Release, 'first'>): Run {
  const options = { ...WORKFLOW_EXECUTION_DEFAULTS, ...input.options };
  const info = workflowInfo();
  const { namespace, name, uid } = input.workflowExecution.metadata;
  const ref: WorkflowExecutionRef = { namespace, name, uid };
  const temporal = { namespace: info.namespace, workflowId: info.workflowId, runId: info.runId };
  const status = new StatusPublisher({ ref, temporal });
  setHandler(statusQuery, () => status.current);
  const timeoutText = timeoutOf(input.workflowExecution);
  const timeoutMs = tryParseGoDuration(timeoutText) ?? 0;
  const deadlineMs = timeoutMs + options.deadlineGraceMs;
  return {
    received: input.workflowExecution,
    ref,
    temporal,
    startTime: info.startTime,
    options,
    activities: activitiesOf(options, deadlineMs),
    status,
    timeoutText,
    timeoutAt: info.startTime.getTime() + timeoutMs,
    deadlineAt: info.startTime.getTime() + deadlineMs,
    // From the start: the lock may signal before the begin step ends.
    turn: release === 'lean' ? undefined : listenToTargetLock(),
  };
}

/**
 * The spec's timeout as written, or the default. Read before validation, which vouches for it before it
 * matters: an unparseable one (the spec is then rejected) must not fail the workflow task.
 */
function timeoutOf(workflowExecution: WorkflowExecutionInput['workflowExecution']): string {
  return readUnvalidatedWorkflowExecution(workflowExecution).timeout ?? DEFAULT_EXECUTION_TIMEOUT;
}

/**
 * Steps 1, 2, 3 in one local activity (the worker's policy; idempotent): validate, take the target (asked
 * for; `acquiredAt` once the lock granted it after a wait), create the PipelineRun, record. Shielded: a
 * cancellation arriving meanwhile (the WFE deleted) is acted on once it is done, so the cleanup knows what
 * exists; it is a few quick calls.
 */
function begin(run: Run, acquiredAt?: string): Promise<BeginExecutionResult> {
  return CancellationScope.nonCancellable(() =>
    run.activities.steps(beginSummary(run, acquiredAt)).beginExecution({
      workflowExecution: run.received,
      ref: run.ref,
      temporal: run.temporal,
      executionStartedAt: run.startTime.toISOString(),
      now: new Date().toISOString(),
      deadlineAt: run.deadlineAt,
      timeoutAt: run.timeoutAt,
      ...(run.turn && {
        targetLock: { startedAt: run.startTime.getTime(), requestedAt: run.turn.requestedAt, acquiredAt },
      }),
    }),
  );
}

/** What the begin step does for this run, in one line (read before validation, which the step does). */
function beginSummary(run: Run, acquiredAt?: string): string {
  const spec = readUnvalidatedWorkflowExecution(run.received);
  const steps = spec.steps.map((s) => s.name ?? '?').join(', ');
  const creates = `create PipelineRun ${pipelineRunName(run.received)} (${steps}), record the actions`;
  if (acquiredAt) return `Begin holding ${spec.targetResource ?? 'the target'}: ${creates}`;
  return `Begin: validate${run.turn && spec.targetResource ? `, take ${spec.targetResource}` : ''}, ${creates}`;
}

/** Step 1 failed: the WFE ends Failed/ConfigurationError naming every problem; no PipelineRun, no records. */
async function rejectInvalidSpec(run: Run, errors: ValidationError[]): Promise<WorkflowExecutionResult> {
  const message = `invalid WorkflowExecution: ${formatValidationErrors(errors)}`;
  const status = run.status.show(
    failedWorkflowExecutionStatus({
      reason: 'ConfigurationError',
      message,
      now: new Date(),
      wasExecutionFailure: false,
      workflowExecution: run.received,
    }),
  );
  const signal = rejectedExecutionTerminalSignal(run.received, run.ref, 'Failed', new Date());
  if (!signal) {
    log.warn('invalid WorkflowExecution has no usable remediation/target: effectiveness not signalled', {
      ref: run.ref,
    });
  }
  await run.activities
    .steps('Reject: ConfigurationError; write the status, signal the monitor')
    .finishExecution({ ref: run.ref, status, signal, releaseFinalizer: false });
  return { phase: 'Failed', reason: 'ConfigurationError', message, status };
}

/** The execution the begin step began or queued; from now on the run is findable by its remediation, target, actions. */
function executionOf(run: Run, begun: Begun): Execution {
  const wfe = begun.workflowExecution;
  const x: Execution = {
    ...run,
    wfe,
    remediation: remediationOf(wfe.spec.remediationRequestRef, run.ref.namespace),
    recordContext: actionRecordContextOf(wfe, run.temporal, run.startTime.toISOString()),
    statusWritten: begun.kind === 'started' || begun.kind === 'waiting',
    askedForTarget: begun.kind === 'waiting' || begun.holdsTarget,
  };
  run.status.describeRunAs({
    namespace: run.ref.namespace,
    name: run.ref.name,
    remediation: x.remediation.id,
    target: wfe.spec.targetResource,
    actionTypes: wfe.spec.steps.map((s) => s.actionType),
  });
  return x;
}

/** Listens for the target lock's signals from the start of the run (one may come before the begin step ends). */
function listenToTargetLock(): TargetTurn {
  const turn: TargetTurn = { requestedAt: new Date().toISOString() };
  setHandler(targetGrantedSignal, ({ grantedAt }) => {
    turn.grantedAt ??= new Date(grantedAt).toISOString();
  });
  setHandler(targetQueueSignal, (view) => {
    turn.news = view;
  });
  return turn;
}

/**
 * The target is busy or resting (the WFE is queued, Pending): waits for the turn, then begins again holding
 * the target (2, 3). Interrupted when the WFE's timeout passes first, the workflow is cancelled, or the WFE
 * was deleted meanwhile.
 */
async function waitForTarget(x: Execution, waiting: Waiting): Promise<Taken | { interruption: Interruption }> {
  const turn = x.turn!; // only a run that asked for its target is queued
  x.resourceVersion = waiting.resourceVersion;
  x.status.show(waiting.status);
  const interruption = await waitForGrant(x, turn);
  if (interruption) return { interruption };
  const begun = await begin(x, turn.grantedAt);
  if (begun.kind === 'gone') {
    return {
      interruption: {
        reason: 'Cancelled',
        message: 'the WorkflowExecution was deleted while it waited for its target',
      },
    };
  }
  if (begun.kind === 'invalid' || begun.kind === 'waiting') {
    throw new Error(`beginExecution holding the target answered ${begun.kind}`); // the spec passed already
  }
  return begun;
}

/**
 * Waits for the lock's grant, writing where the WFE stands whenever the lock says something new (one
 * status write for any number of signals that arrived together). Ends at the WFE's timeout: it never ran.
 */
async function waitForGrant(x: Execution, turn: TargetTurn): Promise<Interruption | undefined> {
  const target = x.wfe.spec.targetResource;
  let lastView: WaitingView | undefined;
  const onDeadline = (): Interruption => ({
    reason: 'TargetWaitTimeout',
    message: `never ran: the timeout of ${x.timeoutText} passed while it waited for its target (${
      lastView ? describeTargetWait(target, lastView) : `waiting for ${target}`
    })`,
  });
  return runWithinDeadline(
    x,
    async () => {
      for (;;) {
        await condition(() => turn.grantedAt !== undefined || turn.news !== undefined);
        if (turn.grantedAt !== undefined) return;
        const view = turn.news!;
        turn.news = undefined;
        lastView = view;
        const next = waitingForTargetStatus({
          previous: x.status.current!,
          target,
          view,
          requestedAt: turn.requestedAt,
          now: new Date(),
        });
        x.status.show(next);
        const written = await x.activities.steps(`Pending: ${describeTargetWait(target, view)}`).writeObservedStatus({
          ref: x.ref,
          status: next,
          after: x.resourceVersion,
        });
        if (written.outcome === 'written') x.resourceVersion = written.resourceVersion;
      }
    },
    {
      deadlineAt: x.timeoutAt,
      summary: `Deadline of the wait for ${target}: the timeout of ${x.timeoutText}`,
      onDeadline,
    },
  );
}

/** Step 4 once the PipelineRun exists; when it could not be created, why nothing ran. */
async function execute(x: Execution, taken: Taken): Promise<Interruption | undefined> {
  if (taken.kind === 'refused') {
    x.status.show(taken.status);
    x.statusWritten = false;
    return { reason: taken.reason, message: taken.message };
  }
  x.pipelineRunRef = taken.pipelineRunRef;
  x.resourceVersion = taken.resourceVersion;
  x.statusWritten = true;
  x.status.show(taken.status, 'Running');
  return runWithinDeadline(x, () => waitForPipelineRun(x));
}

/**
 * Runs `work` until it ends or the deadline passes. Returns why it was interrupted (the deadline, the
 * workflow's cancellation, a permanent activity failure), or undefined when it ran to its end; anything
 * else is rethrown as it is.
 */
async function runWithinDeadline(
  x: Execution,
  work: () => Promise<void>,
  deadline: { deadlineAt: number; summary: string; onDeadline(): Interruption } = {
    deadlineAt: x.deadlineAt,
    summary: `Deadline: the timeout of ${x.timeoutText}, with Tekton's grace`,
    onDeadline: () => ({
      reason: 'DeadlineExceeded',
      message: `the WorkflowExecution did not finish within its timeout of ${x.timeoutText}`,
    }),
  },
): Promise<Interruption | undefined> {
  let deadlineExceeded = false;
  const scope = new CancellationScope();
  sleep(Math.max(1, deadline.deadlineAt - Date.now()), { summary: deadline.summary })
    .then(() => {
      deadlineExceeded = true;
      scope.cancel();
    })
    .catch(() => undefined); // the workflow itself was cancelled or finished
  try {
    await scope.run(work);
    return undefined;
  } catch (err) {
    if (isCancellation(err) && deadlineExceeded) return deadline.onDeadline();
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

/** Step 4: the waiting activity writes every change itself and returns when the PipelineRun is done or gone. */
async function waitForPipelineRun(x: Execution): Promise<void> {
  const pipelineRunRef = x.pipelineRunRef!;
  const steps = x.wfe.spec.steps.map((s) => s.name).join(', ');
  const summary = `Wait for PipelineRun ${pipelineRunRef.name} (${steps}), writing its progress`;
  const outcome = await x.activities.waiting(summary).awaitPipelineRunOutcome({
    workflowExecution: x.wfe,
    pipelineRunRef,
    previous: x.status.current!,
    resourceVersion: x.resourceVersion,
    heartbeatIntervalMs: Math.max(1_000, Math.floor(x.options.heartbeatTimeoutMs / 3)),
  });
  if (outcome.kind === 'deleted') {
    const message = `PipelineRun ${pipelineRunRef.namespace}/${pipelineRunRef.name} was deleted before it finished`;
    x.status.show(
      failedWorkflowExecutionStatus({
        reason: 'PipelineRunDeleted',
        message,
        previous: outcome.status,
        now: new Date(),
      }),
    );
    x.statusWritten = false;
    return;
  }
  x.status.show(outcome.status);
  x.statusWritten = outcome.written;
}

/**
 * Stops the PipelineRun and marks the WFE Failed with the interruption's reason. Tekton gets a bounded
 * time to report the cancellation, so steps that finished keep their real outcome; the failure is then
 * attributed to its cause, not to the cancellation the workflow itself requested.
 */
async function stopExecution(x: Execution, { reason, message }: Interruption): Promise<void> {
  if (x.pipelineRunRef && !isTerminalPhase(x.status.current?.phase)) {
    await x.activities
      .steps(`Cancel PipelineRun ${x.pipelineRunRef.name}: ${reason}`)
      .cancelPipelineRun(x.pipelineRunRef);
    try {
      await CancellationScope.withTimeout(x.options.cancellationWaitMs, () => waitForPipelineRun(x));
    } catch (err) {
      if (!isCancellation(err)) throw err;
    }
  }
  const seen = targetWaitEnded(x.status.current!, new Date());
  const stopped = interruptedWorkflowExecutionStatus({ seen, reason, message, now: new Date() });
  if (stopped) {
    x.status.show(stopped);
    x.statusWritten = false;
  }
}

/**
 * Steps 5 and 6, the final status, the target and the finalizer: the end of every path that got past
 * validation. The target is let go of after the final status is written, so the next WFE on it starts
 * after this one is visibly over; a cooldown follows only when a PipelineRun was created.
 */
async function finish(x: Execution): Promise<WorkflowExecutionResult> {
  const final: WorkflowExecutionStatus = x.status.current!;
  const completedAt = Date.parse(final.completionTime ?? '') || Date.now();
  const releasing = x.askedForTarget ? `, release ${x.wfe.spec.targetResource}` : '';
  const outcome = final.failureDetails ? `${final.phase} (${final.failureDetails.reason})` : final.phase;
  await x.activities.steps(`Finish: ${outcome}; record the outcomes, signal the monitor${releasing}`).finishExecution({
    ref: x.ref,
    status: final,
    writeStatus: !x.statusWritten,
    recordContext: x.recordContext,
    signal: executionTerminalSignal({
      remediation: x.remediation,
      workflowExecution: x.ref,
      target: x.wfe.spec.targetResource,
      actionTypes: x.wfe.spec.steps.map((s) => s.actionType),
      status: final,
      now: new Date(),
    }),
    ...(x.askedForTarget && {
      releaseTarget: {
        target: x.wfe.spec.targetResource,
        release: { requester: workflowInfo().workflowId, completedAt, ran: x.pipelineRunRef !== undefined },
      },
    }),
    releaseFinalizer: true,
  });
  return resultOf(final, x.pipelineRunRef);
}
