/**
 * What Tekton's TaskRun reconciler (plus the kubelet running its pod) would have written by now, derived only
 * from the TaskRun object itself: an attempt's `startTime` plus the step's simulated duration says when it
 * ends, its `spec.timeout` says when it times out, `retriesStatus.length` says which attempt is running. So
 * any number of simulator restarts or overlapping evaluations agree on the same answer.
 *
 * Order of checks follows pkg/reconciler/taskrun: cancelled (spec.status) → timed out → pod outcome; a failed
 * attempt that is neither cancelled nor out of retries is archived into `retriesStatus` and a new pod
 * (`<taskRun>-pod-retry<N>`) starts (retryTaskRun).
 */
import { createHash } from 'node:crypto';
import { podName } from './child-name';
import { withSucceeded, type SucceededState } from './conditions';
import { formatGoDuration, nanosToMs, parseGoDuration } from './go-duration';
import {
  ACTION_IMAGE_PARAM,
  attemptBehaviour,
  readSimulationDirective,
  type AttemptBehaviour,
  type SimulationDirective,
} from './simulation-directive';
import { isDone, succeededCondition, type StepState, type TaskRun, type TaskRunStatus } from './tekton-objects';
import {
  DEFAULT_TIMEOUT_MS,
  KUBERNAUT_ACTION_STEP,
  MESSAGES,
  TASK_RUN_REASONS,
  TASK_RUN_SPEC_STATUS_CANCELLED,
  TERMINATION_REASONS,
} from './tekton-vocabulary';
import { parseTimestamp, toTimestamp } from './timestamps';

export interface TaskRunClock {
  /** Wall-clock time of this evaluation (epoch ms). */
  now: number;
  /** Natural step endings are only taken up to this instant (the PipelineRun's deadline, when it has passed). */
  horizon?: number;
  defaultStepDurationMs: number;
}

export interface TaskRunProgress {
  /** The status to write, or undefined when nothing changed. */
  status?: TaskRunStatus;
  /** When this TaskRun next needs a look (epoch ms), if it is still running. */
  wakeAt?: number;
}

export function progressTaskRun(taskRun: TaskRun, clock: TaskRunClock): TaskRunProgress {
  if (isDone(taskRun)) return {};
  if (taskRun.spec.status === TASK_RUN_SPEC_STATUS_CANCELLED) {
    const message = MESSAGES.taskRunCancelled(taskRun.metadata.name, taskRun.spec.statusMessage ?? '');
    return { status: terminate(taskRun, startedStatus(taskRun), TASK_RUN_REASONS.cancelled, message, clock.now) };
  }

  const reading = readSimulationDirective(taskRun.spec.params);
  if (!reading.ok) {
    // Tekton fails a TaskRun it cannot validate before creating any pod: no pod name, no steps.
    const status: TaskRunStatus = { ...startedStatus(taskRun), podName: taskRun.status?.podName ?? '' };
    status.startTime ??= toTimestamp(clock.now);
    const failed = {
      status: 'False',
      reason: TASK_RUN_REASONS.validationFailed,
      message: MESSAGES.invalidDirective(reading.error),
    } as const;
    return {
      status: {
        ...status,
        conditions: withSucceeded(status.conditions, failed, clock.now),
        completionTime: toTimestamp(clock.now),
      },
    };
  }

  const timeoutMs = taskRunTimeoutMs(taskRun);
  const limit = Math.min(clock.now, clock.horizon ?? clock.now);
  let status = taskRun.status;
  let cursor = clock.now; // when the next attempt (if one has to start) starts
  for (;;) {
    if (status?.startTime === undefined) status = startAttempt(taskRun, status, cursor, reading.directive, clock);
    const attempt = status.retriesStatus?.length ?? 0;
    const behaviour = attemptBehaviour(reading.directive, attempt, clock.defaultStepDurationMs);
    const startedAt = parseTimestamp(status.startTime) ?? cursor;
    const endsAt = behaviour.durationMs === undefined ? undefined : startedAt + behaviour.durationMs;
    const deadline = timeoutMs === 0 ? undefined : startedAt + timeoutMs;
    const timesOutFirst = deadline !== undefined && (endsAt === undefined || endsAt > deadline);

    let endedAt: number;
    if (timesOutFirst && deadline < limit) {
      // Tekton: timed out once runtime > timeout (strictly).
      const message = MESSAGES.taskRunTimedOut(taskRun.metadata.name, formatGoDuration(timeoutMs * 1e6));
      status = terminate(taskRun, status, TASK_RUN_REASONS.timedOut, message, deadline);
      endedAt = deadline;
    } else if (endsAt !== undefined && endsAt <= limit) {
      status = finishAttempt(taskRun, status, behaviour, endsAt);
      endedAt = endsAt;
    } else {
      const wakeAt = Math.min(endsAt ?? Infinity, deadline === undefined ? Infinity : deadline + 1);
      return {
        status: status === taskRun.status ? undefined : status,
        wakeAt: Number.isFinite(wakeAt) ? wakeAt : undefined,
      };
    }

    if (succeededCondition(status)?.status === 'False' && attempt < (taskRun.spec.retries ?? 0)) {
      status = archiveAttemptForRetry(status);
      cursor = endedAt;
      continue;
    }
    return { status };
  }
}

/** `spec.timeout` (PipelineTask.timeout), Tekton's 60-minute default when absent; 0 = no timeout. */
export function taskRunTimeoutMs(taskRun: TaskRun): number {
  return taskRun.spec.timeout === undefined ? DEFAULT_TIMEOUT_MS : nanosToMs(parseGoDuration(taskRun.spec.timeout));
}

function startedStatus(taskRun: TaskRun): TaskRunStatus {
  return { podName: '', ...taskRun.status, ...observedGeneration(taskRun) };
}

/** knative's reconciler records the generation it acted on; a TaskRun not yet created has none. */
function observedGeneration(taskRun: TaskRun): { observedGeneration?: number } {
  return taskRun.metadata.generation === undefined ? {} : { observedGeneration: taskRun.metadata.generation };
}

function startAttempt(
  taskRun: TaskRun,
  previous: TaskRunStatus | undefined,
  at: number,
  directive: SimulationDirective,
  clock: TaskRunClock,
): TaskRunStatus {
  const attempt = previous?.retriesStatus?.length ?? 0;
  const behaviour = attemptBehaviour(directive, attempt, clock.defaultStepDurationMs);
  const pending = behaviour.outcome === 'imagepull';
  const step: StepState = pending
    ? { name: KUBERNAUT_ACTION_STEP, container: containerName(), waiting: { reason: 'PodInitializing' } }
    : {
        name: KUBERNAUT_ACTION_STEP,
        container: containerName(),
        imageID: imageId(actionImage(taskRun)),
        running: { startedAt: toTimestamp(at) },
      };
  const condition: SucceededState = pending
    ? { status: 'Unknown', reason: TASK_RUN_REASONS.pending, message: MESSAGES.taskRunPending(containerName()) }
    : { status: 'Unknown', reason: TASK_RUN_REASONS.running, message: MESSAGES.taskRunRunning };
  const status: TaskRunStatus = {
    ...previous,
    conditions: withSucceeded(previous?.conditions, condition, at),
    ...observedGeneration(taskRun),
    podName: podName(taskRun.metadata.name, attempt),
    startTime: toTimestamp(at),
    steps: [step],
  };
  delete status.completionTime;
  return status;
}

function finishAttempt(
  taskRun: TaskRun,
  status: TaskRunStatus,
  behaviour: AttemptBehaviour,
  at: number,
): TaskRunStatus {
  const step = status.steps?.[0] ?? { name: KUBERNAUT_ACTION_STEP, container: containerName() };
  const startedAt = step.running?.startedAt ?? status.startTime ?? toTimestamp(at);
  const ended = (reason: string, exitCode: number): StepState => ({
    name: step.name,
    container: step.container,
    ...(step.imageID ? { imageID: step.imageID } : {}),
    terminated: {
      exitCode,
      reason,
      containerID: containerId(status.podName, step.container),
      startedAt,
      finishedAt: toTimestamp(at),
    },
    terminationReason: reason,
  });
  let steps: StepState[];
  let condition: SucceededState;
  switch (behaviour.outcome) {
    case 'succeed':
    case 'hang': // a hanging step never reaches here (no end time); kept for exhaustiveness
      steps = [ended(TERMINATION_REASONS.completed, 0)];
      condition = { status: 'True', reason: TASK_RUN_REASONS.succeeded, message: MESSAGES.taskRunSucceeded };
      break;
    case 'fail':
      steps = [ended(TERMINATION_REASONS.error, behaviour.exitCode)];
      condition = {
        status: 'False',
        reason: TASK_RUN_REASONS.stepFailed,
        message: MESSAGES.stepExited(step.container, behaviour.exitCode, TERMINATION_REASONS.error),
      };
      break;
    case 'oom':
      steps = [ended(TERMINATION_REASONS.oomKilled, behaviour.exitCode)];
      condition = {
        status: 'False',
        reason: TASK_RUN_REASONS.stepOOM,
        message: MESSAGES.stepExited(step.container, behaviour.exitCode, TERMINATION_REASONS.oomKilled),
      };
      break;
    case 'imagepull': {
      const message = MESSAGES.imagePullFailed(step.name, taskRun.metadata.name, actionImage(taskRun));
      return terminate(taskRun, status, TASK_RUN_REASONS.imagePullFailed, message, at);
    }
  }
  return {
    ...status,
    conditions: withSucceeded(status.conditions, condition, at),
    completionTime: toTimestamp(at),
    steps,
  };
}

/**
 * failTaskRun + terminateStepsInPod: mark the TaskRun failed and every running or waiting step terminated
 * with exit code 1 and the TaskRun's reason (the pod is deleted).
 */
function terminate(
  taskRun: TaskRun,
  status: TaskRunStatus,
  reason: string,
  message: string,
  at: number,
): TaskRunStatus {
  const finishedAt = toTimestamp(at);
  const steps = status.podName
    ? status.steps?.map((step): StepState => {
        if (!step.running && !step.waiting) return step;
        return {
          name: step.name,
          container: step.container,
          ...(step.imageID ? { imageID: step.imageID } : {}),
          terminated: {
            exitCode: 1,
            reason,
            message: MESSAGES.stepTerminatedWithPod(step.name, status.podName),
            startedAt: step.running?.startedAt ?? taskRun.metadata.creationTimestamp ?? finishedAt,
            finishedAt,
          },
          terminationReason: reason,
        };
      })
    : status.steps;
  const next: TaskRunStatus = {
    ...status,
    conditions: withSucceeded(status.conditions, { status: 'False', reason, message }, at),
    completionTime: finishedAt,
  };
  if (steps) next.steps = steps;
  return next;
}

/** retryTaskRun: keep the failed attempt (dates included, as Tekton's DeepCopy does) and reset for a new pod. */
function archiveAttemptForRetry(status: TaskRunStatus): TaskRunStatus {
  const archived: TaskRunStatus = { ...status };
  delete archived.retriesStatus;
  const failure = succeededCondition(status);
  const next: TaskRunStatus = {
    ...status,
    retriesStatus: [...(status.retriesStatus ?? []), archived],
    podName: '',
    conditions: withSucceeded(
      status.conditions,
      { status: 'Unknown', reason: TASK_RUN_REASONS.toBeRetried, message: failure?.message ?? '' },
      parseTimestamp(status.completionTime) ?? 0,
    ),
  };
  delete next.startTime;
  delete next.completionTime;
  return next;
}

function containerName(): string {
  return `step-${KUBERNAUT_ACTION_STEP}`;
}

function actionImage(taskRun: TaskRun): string {
  const value = taskRun.spec.params?.find((p) => p.name === ACTION_IMAGE_PARAM)?.value;
  return typeof value === 'string' ? value : '';
}

/** The kubelet reports the pulled image by digest; a tag-only image gets a stable made-up one. */
function imageId(image: string): string {
  if (image.includes('@sha256:')) return image;
  return `${image.replace(/:[^:/]*$/, '')}@sha256:${sha256(image)}`;
}

function containerId(pod: string, container: string): string {
  return `containerd://${sha256(`${pod}/${container}`)}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
