/**
 * Tekton → WorkflowExecution status: (PipelineRun, its TaskRuns, the previous status, now) → the next
 * status. Pure and idempotent: the workflow calls it on every change it observes and patches the WFE
 * only when the result differs, so the same inputs must give a deep-equal result, and a terminal
 * status is final (a late TaskRun update never turns Failed back into Running).
 */
import { classifyByMessage, classifyPipelineRunReason } from '../failure-classification';
import { naturalLanguageSummary } from '../failure-summary';
import { ACTION_PARAMS } from '../pipeline-run';
import { ANNOTATIONS, WORKFLOW_EXECUTION } from '../names';
import { assembleStatus } from './assembly';
import {
  findChildReference,
  findSkippedTask,
  findTaskRun,
  mapStepStatus,
  PipelineRunOutcome,
  StepSkeleton,
  stepMayHaveActed,
  countSteps,
  truncateMessage,
} from './step-status';
import { asArray, asString, isDone, isObject, PipelineRunObject, succeededCondition, TaskRunObject } from '../tekton';
import { elapsedMs, Instant, toTimestamp } from '../time';
import { readUnvalidatedWorkflowExecution } from '../unvalidated-workflow-execution';
import {
  FailureDetails,
  FailureReason,
  isTerminalPhase,
  StepStatus,
  WorkflowExecution,
  WorkflowExecutionPhase,
  WorkflowExecutionStatus,
} from '../workflow-execution';

export interface MapStatusInput {
  pipelineRun: PipelineRunObject;
  /** The PipelineRun's child TaskRuns (any order; unrelated ones are ignored). */
  taskRuns?: readonly TaskRunObject[];
  previous?: WorkflowExecutionStatus;
  now: Instant;
  /**
   * The WFE itself, when at hand. Without it, steps come from the PipelineRun's inline spec (which this
   * project wrote) or the previous status, and names for the summary from the PipelineRun's metadata.
   */
  workflowExecution?: WorkflowExecution;
}

const CANCELLED_REASONS = new Set(['Cancelled', 'PipelineRunCancelled', 'CancelledRunFinally', 'StoppedRunFinally']);

export function mapWorkflowExecutionStatus(input: MapStatusInput): WorkflowExecutionStatus {
  const { previous, workflowExecution } = input;
  if (previous && isTerminalPhase(previous.phase)) return clone(previous);

  const pipelineRun: PipelineRunObject = isObject(input.pipelineRun) ? input.pipelineRun : {};
  const now = toTimestamp(input.now) ?? toTimestamp(new Date(0))!;
  const prStatus = isObject(pipelineRun.status) ? pipelineRun.status : {};
  const condition = succeededCondition(pipelineRun);
  const done = isDone(condition);
  const outcome: PipelineRunOutcome = {
    done,
    succeeded: condition?.status === 'True',
    cancelled: done && CANCELLED_REASONS.has(condition?.reason ?? ''),
    timedOut: done && condition?.reason === 'PipelineRunTimeout',
    ...(condition?.reason !== undefined && { reason: condition.reason }),
  };

  const prName = asString(pipelineRun.metadata?.name);
  const taskRuns = asArray<TaskRunObject>(input.taskRuns);
  const previousSteps = new Map((previous?.steps ?? []).map((s) => [s.name, s]));
  const steps = stepSkeleton(workflowExecution, pipelineRun, previous).map((step) => {
    const child = findChildReference(pipelineRun, step.name);
    return mapStepStatus({
      step,
      child,
      taskRun: findTaskRun(taskRuns, step.name, child, prName),
      skipped: findSkippedTask(pipelineRun, step.name),
      pipelineRun: outcome,
      previous: previousSteps.get(step.name),
    });
  });

  // A TaskRun may be seen before its PipelineRun's first status: they come from two watches, and a real
  // Tekton creates the TaskRun before it writes the PipelineRun's status. A step underway means started.
  const started =
    condition !== undefined ||
    prStatus.startTime !== undefined ||
    asArray(prStatus.childReferences).length > 0 ||
    steps.some((s) => s.phase !== 'Pending');
  const phase: WorkflowExecutionPhase = !done
    ? started && pipelineRun.spec?.status !== 'PipelineRunPending'
      ? 'Running'
      : 'Pending'
    : outcome.succeeded
      ? 'Completed'
      : 'Failed';

  const startTime =
    phase === 'Pending' ? previous?.startTime : (toTimestamp(prStatus.startTime) ?? previous?.startTime ?? now);
  const completionTime = done ? (toTimestamp(prStatus.completionTime) ?? now) : undefined;
  const namespace = asString(pipelineRun.metadata?.namespace);

  const failureDetails =
    phase === 'Failed'
      ? describeFailure({
          condition,
          steps,
          subject: subjectOf(workflowExecution, pipelineRun),
          durationMs: elapsedMs(startTime, completionTime),
        })
      : undefined;

  return assembleStatus({
    phase,
    observedGeneration: previous?.observedGeneration ?? workflowExecution?.metadata.generation,
    startTime,
    completionTime,
    pipelineRunRef:
      prName !== undefined && namespace !== undefined ? { name: prName, namespace } : previous?.pipelineRunRef,
    temporal: previous?.temporal,
    requestedBy: previous?.requestedBy ?? readUnvalidatedWorkflowExecution(workflowExecution).requestedBy,
    steps,
    failureDetails,
    targetLock: previous?.targetLock,
    progressMessage: progressMessage(phase, prName, steps),
    previousConditions: previous?.conditions,
    now,
  });
}

/** Which steps exist, in WFE order: from the WFE, else the PipelineRun's inline spec, else the previous status. */
function stepSkeleton(
  wfe: WorkflowExecution | undefined,
  pipelineRun: PipelineRunObject,
  previous: WorkflowExecutionStatus | undefined,
): StepSkeleton[] {
  const previousActionType = new Map((previous?.steps ?? []).map((s) => [s.name, s.actionType]));
  let skeleton: StepSkeleton[];
  if (wfe) {
    skeleton = wfe.spec.steps.map((s) => ({ name: s.name, actionType: s.actionType }));
  } else {
    const tasks = asArray<unknown>(
      isObject(pipelineRun.spec?.pipelineSpec) ? pipelineRun.spec!.pipelineSpec!.tasks : undefined,
    )
      .filter(isObject)
      .filter((t) => typeof t.name === 'string');
    skeleton =
      tasks.length > 0
        ? tasks.map((t) => {
            const name = t.name as string;
            const param = asArray<unknown>(t.params).find((p) => isObject(p) && p.name === ACTION_PARAMS.actionType);
            const fromParam = isObject(param) ? asString(param.value) : undefined;
            return { name, actionType: fromParam ?? previousActionType.get(name) ?? 'unknown' };
          })
        : (previous?.steps ?? []).map((s) => ({ name: s.name, actionType: s.actionType }));
  }
  // A child Tekton reports but the spec does not list (should not happen): show it rather than hide it.
  const known = new Set(skeleton.map((s) => s.name));
  for (const child of asArray<unknown>(pipelineRun.status?.childReferences)) {
    const name = isObject(child) ? asString(child.pipelineTaskName) : undefined;
    if (name !== undefined && !known.has(name)) {
      known.add(name);
      skeleton.push({ name, actionType: previousActionType.get(name) ?? 'unknown' });
    }
  }
  return skeleton;
}

function describeFailure(input: {
  condition: ReturnType<typeof succeededCondition>;
  steps: StepStatus[];
  subject: Subject;
  durationMs?: number;
}): FailureDetails {
  const { condition, steps } = input;
  const signal = { reason: condition?.reason, message: condition?.message };
  const firstFailed = firstByCompletion(steps.filter((s) => s.phase === 'Failed'));
  const firstCancelled = firstByCompletion(steps.filter((s) => s.phase === 'Cancelled' && s.taskRunName !== undefined));
  const decidedByPipelineRun = classifyPipelineRunReason(signal);

  let reason: FailureReason;
  let failedStep: StepStatus | undefined;
  if (decidedByPipelineRun !== undefined) {
    reason = decidedByPipelineRun;
    failedStep = reason === 'Cancelled' ? firstCancelled : (firstFailed ?? firstCancelled);
  } else if (firstFailed !== undefined) {
    reason = firstFailed.reason ?? 'TaskFailed';
    failedStep = firstFailed;
  } else {
    reason = classifyByMessage(signal);
  }

  const pipelineRunMessage =
    condition?.message || `PipelineRun failed${condition?.reason ? ` (${condition.reason})` : ''}`;
  const stepCaused = decidedByPipelineRun === undefined && failedStep !== undefined;
  const message = truncateMessage(
    stepCaused ? `step "${failedStep!.name}" failed: ${failedStep!.message ?? reason}` : pipelineRunMessage,
  );
  const wasExecutionFailure = steps.some(stepMayHaveActed);
  const exitCode = failedStep?.exitCode;
  return {
    reason,
    message,
    ...(failedStep !== undefined && { failedStep: failedStep.name }),
    ...(exitCode !== undefined && { exitCode }),
    wasExecutionFailure,
    naturalLanguageSummary: naturalLanguageSummary({
      workflowExecution: input.subject.name,
      targetResource: input.subject.target,
      reason,
      message: stepCaused ? (failedStep!.message ?? reason) : pipelineRunMessage,
      failedStep,
      exitCode,
      durationMs: input.durationMs,
      counts: countSteps(steps),
      wasExecutionFailure,
    }),
  };
}

/** The earliest finished step; ties (and steps without times) keep WFE order. */
function firstByCompletion(steps: StepStatus[]): StepStatus | undefined {
  return steps
    .map((step, order) => ({ step, order, at: step.completionTime ? Date.parse(step.completionTime) : Infinity }))
    .sort((a, b) => a.at - b.at || a.order - b.order)[0]?.step;
}

interface Subject {
  name?: string;
  target?: string;
}

function subjectOf(wfe: WorkflowExecution | undefined, pipelineRun: PipelineRunObject): Subject {
  if (wfe) return { name: `${wfe.metadata.namespace}/${wfe.metadata.name}`, target: wfe.spec.targetResource };
  const owner = asArray<unknown>(pipelineRun.metadata?.ownerReferences).find(
    (o) => isObject(o) && o.kind === WORKFLOW_EXECUTION.kind,
  );
  const ownerName = isObject(owner) ? asString(owner.name) : undefined;
  const namespace = asString(pipelineRun.metadata?.namespace);
  const annotations = isObject(pipelineRun.metadata?.annotations) ? pipelineRun.metadata!.annotations! : {};
  return {
    ...(ownerName !== undefined && { name: namespace ? `${namespace}/${ownerName}` : ownerName }),
    ...(asString(annotations[ANNOTATIONS.targetResource]) !== undefined && {
      target: annotations[ANNOTATIONS.targetResource],
    }),
  };
}

function progressMessage(phase: WorkflowExecutionPhase, prName: string | undefined, steps: StepStatus[]): string {
  const run = prName ? `PipelineRun ${prName}` : 'the PipelineRun';
  if (phase === 'Pending') return `Waiting for Tekton to start ${run}`;
  const succeeded = steps.filter((s) => s.phase === 'Succeeded').length;
  const running = steps.filter((s) => s.phase === 'Running').map((s) => s.name);
  return `${run} is running: ${succeeded} of ${steps.length} steps succeeded${running.length > 0 ? `; running: ${running.join(', ')}` : ''}`;
}

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
