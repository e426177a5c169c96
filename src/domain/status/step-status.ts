/**
 * One WFE step's status from what Tekton says about its PipelineTask: the child TaskRun (found through
 * the PipelineRun's `childReferences`), its `Succeeded` condition and steps, or the PipelineRun's
 * `skippedTasks`. When the PipelineRun is done but a TaskRun is missing or stale (tektoncd/pipeline#4916),
 * the PipelineRun's own outcome decides, so a finished WFE never shows a step as still running.
 */
import { classifyTaskRunFailure } from '../failure-classification';
import {
  asArray,
  asString,
  ChildReference,
  isObject,
  PIPELINE_TASK_LABEL,
  PipelineRunObject,
  SkippedTask,
  StepState,
  succeededCondition,
  TaskRunObject,
} from '../tekton';
import { toTimestamp } from '../time';
import { FailureReason, isTerminalStepPhase, StepCounts, StepStatus } from '../workflow-execution';

export interface StepSkeleton {
  name: string;
  actionType: string;
}

/** What the PipelineRun as a whole says, as far as one step needs it. */
export interface PipelineRunOutcome {
  done: boolean;
  succeeded: boolean;
  cancelled: boolean;
  timedOut: boolean;
  reason?: string;
}

/** Status messages are capped: a pod message can be long and 50 steps share one etcd object. */
const MESSAGE_MAX = 1024;

export function truncateMessage(message: string): string {
  return message.length <= MESSAGE_MAX ? message : `${message.slice(0, MESSAGE_MAX - 1)}…`;
}

export function findChildReference(
  pipelineRun: PipelineRunObject | undefined,
  stepName: string,
): ChildReference | undefined {
  return asArray<unknown>(pipelineRun?.status?.childReferences).find(
    (c): c is ChildReference =>
      isObject(c) && c.pipelineTaskName === stepName && (c.kind === undefined || c.kind === 'TaskRun'),
  );
}

export function findSkippedTask(pipelineRun: PipelineRunObject | undefined, stepName: string): SkippedTask | undefined {
  return asArray<unknown>(pipelineRun?.status?.skippedTasks).find(
    (s): s is SkippedTask => isObject(s) && s.name === stepName,
  );
}

export function findTaskRun(
  taskRuns: readonly TaskRunObject[],
  stepName: string,
  child: ChildReference | undefined,
  pipelineRunName: string | undefined,
): TaskRunObject | undefined {
  const valid = taskRuns.filter((t): t is TaskRunObject => isObject(t));
  if (child?.name !== undefined) {
    const byName = valid.find((t) => t.metadata?.name === child.name);
    if (byName) return byName;
  }
  return valid.find((t) => {
    const labels = isObject(t.metadata?.labels) ? t.metadata!.labels! : {};
    const run = labels['tekton.dev/pipelineRun'];
    return labels[PIPELINE_TASK_LABEL] === stepName && (run === undefined || run === pipelineRunName);
  });
}

export function mapStepStatus(input: Parameters<typeof mapStepStatusFields>[0]): StepStatus {
  return orderStepFields(mapStepStatusFields(input));
}

/** One field order for every step status, so statuses print (and diff) the same way whatever produced them. */
export function orderStepFields(step: StepStatus): StepStatus {
  const ordered: StepStatus = { name: step.name, actionType: step.actionType, phase: step.phase };
  if (step.taskRunName !== undefined) ordered.taskRunName = step.taskRunName;
  if (step.startTime !== undefined) ordered.startTime = step.startTime;
  if (step.completionTime !== undefined) ordered.completionTime = step.completionTime;
  if (step.exitCode !== undefined) ordered.exitCode = step.exitCode;
  if (step.reason !== undefined) ordered.reason = step.reason;
  if (step.attempts !== undefined) ordered.attempts = step.attempts;
  if (step.message !== undefined) ordered.message = step.message;
  return ordered;
}

function mapStepStatusFields(input: {
  step: StepSkeleton;
  child?: ChildReference;
  taskRun?: TaskRunObject;
  skipped?: SkippedTask;
  pipelineRun: PipelineRunOutcome;
  previous?: StepStatus;
}): StepStatus {
  const { step, child, taskRun, skipped, pipelineRun, previous } = input;
  const base: StepStatus = { name: step.name, actionType: step.actionType, phase: 'Pending' };

  if (skipped) {
    const reason = asString(skipped.reason) ?? 'skipped by Tekton';
    return /cancel/i.test(reason)
      ? { ...base, phase: 'Cancelled', reason: 'Cancelled', message: truncateMessage(`not run: ${reason}`) }
      : { ...base, phase: 'Skipped', message: truncateMessage(`not run: ${reason}`) };
  }

  if (taskRun) return fromTaskRun(base, taskRun, child, pipelineRun);

  if (previous && isTerminalStepPhase(previous.phase))
    return { ...previous, name: step.name, actionType: step.actionType };

  if (child?.name !== undefined) {
    const started: StepStatus = { ...base, taskRunName: child.name };
    if (!pipelineRun.done) return { ...started, phase: 'Running' };
    if (pipelineRun.succeeded) return { ...started, phase: 'Succeeded' };
    return finishedWhileRunning(
      started,
      pipelineRun,
      `TaskRun ${child.name} was not found after the PipelineRun finished`,
    );
  }

  if (!pipelineRun.done) return base;
  if (pipelineRun.cancelled) {
    return { ...base, phase: 'Cancelled', reason: 'Cancelled', message: 'not run: the PipelineRun was cancelled' };
  }
  return {
    ...base,
    phase: 'Skipped',
    message: `not run: the PipelineRun finished${pipelineRun.reason ? ` (${pipelineRun.reason})` : ''} before this step started`,
  };
}

function fromTaskRun(
  base: StepStatus,
  taskRun: TaskRunObject,
  child: ChildReference | undefined,
  pipelineRun: PipelineRunOutcome,
): StepStatus {
  const status = isObject(taskRun.status) ? taskRun.status : {};
  const condition = succeededCondition(taskRun);
  const states = asArray<unknown>(status.steps).filter(isObject) as StepState[];
  const out: StepStatus = { ...base };
  const taskRunName = child?.name ?? asString(taskRun.metadata?.name);
  if (taskRunName !== undefined) out.taskRunName = taskRunName;
  const startTime = toTimestamp(status.startTime);
  if (startTime !== undefined) out.startTime = startTime;
  out.attempts = asArray(status.retriesStatus).length + 1;
  if (condition?.message) out.message = truncateMessage(condition.message);

  if (condition?.status === 'True') {
    setCompletion(out, status.completionTime);
    const exitCode = exitCodeOf(states);
    return { ...out, phase: 'Succeeded', ...(exitCode !== undefined && { exitCode }) };
  }
  if (condition?.status === 'False') {
    setCompletion(out, status.completionTime);
    const reason = classifyTaskRunFailure({
      reason: condition.reason,
      message: condition.message,
      terminationReasons: terminationReasons(states),
    });
    const exitCode = exitCodeOf(states);
    const withExit = { ...out, ...(exitCode !== undefined && exitCode !== 0 && { exitCode }) };
    return reason === 'Cancelled'
      ? { ...withExit, phase: 'Cancelled', reason }
      : { ...withExit, phase: 'Failed', reason };
  }
  if (pipelineRun.done) {
    return finishedWhileRunning(
      out,
      pipelineRun,
      `TaskRun ${taskRunName ?? ''} had not finished when the PipelineRun did`,
    );
  }
  return { ...out, phase: condition?.reason === 'TaskRunPending' ? 'Pending' : 'Running' };
}

/** A step the PipelineRun outlived: its outcome follows the PipelineRun's. */
function finishedWhileRunning(step: StepStatus, pipelineRun: PipelineRunOutcome, unknownMessage: string): StepStatus {
  if (pipelineRun.cancelled) {
    return {
      ...step,
      phase: 'Cancelled',
      reason: 'Cancelled',
      message: step.message ?? 'cancelled with the PipelineRun',
    };
  }
  if (pipelineRun.timedOut) {
    return {
      ...step,
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      message: step.message ?? 'stopped when the PipelineRun timed out',
    };
  }
  return { ...step, phase: 'Failed', reason: 'Unknown', message: truncateMessage(unknownMessage) };
}

function setCompletion(step: StepStatus, completionTime: unknown): void {
  const at = toTimestamp(completionTime);
  if (at !== undefined) step.completionTime = at;
}

/**
 * Termination reasons Tekton writes itself when it stops a container (with a made-up exit code 1):
 * that code says nothing about the action, so it is not reported as the action's exit code. Tekton v1.7
 * also ends a step whose image could not be pulled this way (`TaskRunImagePullFailed`): that container
 * never ran at all.
 */
const STOPPED_BY_TEKTON = new Set(['TaskRunCancelled', 'TaskRunTimeout', 'TimeoutExceeded', 'TaskRunImagePullFailed']);

/** First non-zero container exit code, else 0 when every container terminated cleanly. */
function exitCodeOf(states: readonly StepState[]): number | undefined {
  const codes = states
    .filter((s) => !isObject(s.terminated) || !STOPPED_BY_TEKTON.has(asString(s.terminated.reason) ?? ''))
    .map((s) => (isObject(s.terminated) ? s.terminated.exitCode : undefined))
    .filter((c): c is number => typeof c === 'number' && Number.isInteger(c));
  if (codes.length === 0) return undefined;
  return codes.find((c) => c !== 0) ?? 0;
}

function terminationReasons(states: readonly StepState[]): string[] {
  return states.flatMap((s) =>
    [asString(s.terminationReason), isObject(s.terminated) ? asString(s.terminated.reason) : undefined].filter(
      (r): r is string => r !== undefined,
    ),
  );
}

export function countSteps(steps: readonly StepStatus[]): StepCounts {
  const counts: StepCounts = {
    total: steps.length,
    pending: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    cancelled: 0,
  };
  for (const s of steps) {
    const key = s.phase.toLowerCase() as Exclude<keyof StepCounts, 'total'>;
    counts[key] += 1;
  }
  return counts;
}

/** "succeeded/total", shown in the Steps printer column. */
export function progressOf(counts: StepCounts): string {
  return `${counts.succeeded}/${counts.total}`;
}

/**
 * Failures where the action container never ran: nothing can have changed in the cluster, so
 * retrying the whole WFE is safe (upstream's exemptions for wasExecutionFailure).
 */
const NOT_STARTED_REASONS: readonly FailureReason[] = ['ImagePullBackOff', 'ConfigurationError'];

/** Could this step's action have changed the cluster? Errs towards yes: a wrong "no" invites a double action. */
export function stepMayHaveActed(step: StepStatus): boolean {
  if (step.phase === 'Succeeded') return true;
  if (step.taskRunName === undefined) return false;
  if (step.phase === 'Running') return true;
  if (step.phase === 'Failed' || step.phase === 'Cancelled') {
    return step.reason === undefined || !NOT_STARTED_REASONS.includes(step.reason);
  }
  return false;
}
