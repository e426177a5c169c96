/**
 * Tekton's PipelineRunFacts for the DAG tasks the simulator runs (pkg/reconciler/pipelinerun/resources/
 * pipelinerunstate.go, pipelinerunresolution.go): the state of each PipelineTask from its TaskRun, which
 * unstarted tasks are skipped and why, which can be scheduled now, and the PipelineRun's Succeeded condition
 * with Tekton's counting and message formats.
 */
import type { SucceededState } from './conditions';
import type { ResolvedPipelineTask } from './pipeline-spec';
import { succeededCondition, type SkippedTask, type TaskRun } from './tekton-objects';
import {
  MESSAGES,
  PIPELINE_RUN_REASONS,
  PIPELINE_RUN_SPEC_STATUS,
  SKIP_REASONS,
  TASK_RUN_CANCEL_MESSAGES,
  TASK_RUN_REASONS,
} from './tekton-vocabulary';

export type PipelineTaskState = 'notStarted' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'cancelledForTimeout';

export interface PipelineFacts {
  states: Map<string, PipelineTaskState>;
  skippedTasks: SkippedTask[];
  schedulable: ResolvedPipelineTask[];
  condition: SucceededState;
}

export function pipelineTaskState(taskRun: TaskRun | undefined): PipelineTaskState {
  if (!taskRun) return 'notStarted';
  const condition = succeededCondition(taskRun.status);
  if (condition?.status === 'True') return 'succeeded';
  if (condition?.status !== 'False') return 'running';
  if (condition.reason !== TASK_RUN_REASONS.cancelled) return 'failed';
  return taskRun.spec.statusMessage === TASK_RUN_CANCEL_MESSAGES.pipelineRunTimedOut
    ? 'cancelledForTimeout'
    : 'cancelled';
}

/** Any finished-but-not-successful task (failed, cancelled, timed out) stops the PipelineRun scheduling. */
const isFailure = (state: PipelineTaskState | undefined): boolean =>
  state === 'failed' || state === 'cancelled' || state === 'cancelledForTimeout';

export function pipelineFacts(
  pipelineRun: { name: string; specStatus?: string; timedOut?: boolean },
  tasks: readonly ResolvedPipelineTask[],
  taskRunsByTask: ReadonlyMap<string, TaskRun>,
): PipelineFacts {
  const states = new Map(tasks.map((t) => [t.name, pipelineTaskState(taskRunsByTask.get(t.name))]));
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const stopping = tasks.some((t) => isFailure(states.get(t.name)));
  const gracefullyStopped = pipelineRun.specStatus === PIPELINE_RUN_SPEC_STATUS.stoppedRunFinally;

  const skipReasons = new Map<string, string | undefined>();
  const skipReason = (name: string): string | undefined => {
    if (skipReasons.has(name)) return skipReasons.get(name);
    let reason: string | undefined;
    if (states.get(name) !== 'notStarted') reason = undefined;
    else if (stopping) reason = SKIP_REASONS.stopping;
    else if (gracefullyStopped) reason = SKIP_REASONS.gracefullyStopped;
    else if (byName.get(name)!.runAfter.some((parent) => skipReason(parent) !== undefined))
      reason = SKIP_REASONS.parentSkipped;
    else if (pipelineRun.timedOut && byName.get(name)!.runAfter.every((parent) => states.get(parent) === 'succeeded')) {
      // Only tasks that were ready to start are reported; those still waiting on running parents are not.
      reason = SKIP_REASONS.pipelineTimedOut;
    }
    skipReasons.set(name, reason);
    return reason;
  };

  const skippedTasks: SkippedTask[] = [];
  for (const task of tasks) {
    const reason = skipReason(task.name);
    if (reason !== undefined) skippedTasks.push({ name: task.name, reason });
  }
  const schedulable = tasks.filter(
    (t) =>
      states.get(t.name) === 'notStarted' &&
      skipReason(t.name) === undefined &&
      t.runAfter.every((parent) => states.get(parent) === 'succeeded'),
  );
  return {
    states,
    skippedTasks,
    schedulable,
    condition: condition(pipelineRun.name, states, skippedTasks.length, gracefullyStopped),
  };
}

/** GetPipelineConditionStatus, minus the timeout branch (the planner handles timeouts before counting). */
function condition(
  name: string,
  states: ReadonlyMap<string, PipelineTaskState>,
  skipped: number,
  gracefullyStopped: boolean,
): SucceededState {
  let succeeded = 0;
  let failed = 0;
  let cancelled = 0;
  for (const state of states.values()) {
    if (state === 'succeeded') succeeded++;
    else if (state === 'failed' || state === 'cancelledForTimeout') failed++;
    else if (state === 'cancelled') cancelled++;
  }
  const completed = succeeded + failed + cancelled;
  const incomplete = states.size - completed - skipped;

  if (incomplete === 0) {
    const message = MESSAGES.pipelineRunDone({ completed, failed, cancelled, skipped });
    if (failed > 0) return { status: 'False', reason: PIPELINE_RUN_REASONS.failed, message };
    if (gracefullyStopped)
      return { status: 'False', reason: PIPELINE_RUN_REASONS.cancelled, message: MESSAGES.pipelineRunCancelled(name) };
    if (cancelled > 0) return { status: 'False', reason: PIPELINE_RUN_REASONS.cancelled, message };
    return {
      status: 'True',
      reason: skipped > 0 ? PIPELINE_RUN_REASONS.completed : PIPELINE_RUN_REASONS.succeeded,
      message,
    };
  }
  let reason: string = PIPELINE_RUN_REASONS.running;
  if (gracefullyStopped) reason = PIPELINE_RUN_REASONS.stoppedRunningFinally;
  else if (cancelled > 0 || failed > 0) reason = PIPELINE_RUN_REASONS.stopping;
  return {
    status: 'Unknown',
    reason,
    message: MESSAGES.pipelineRunCounts({ completed, failed, cancelled, incomplete, skipped }),
  };
}
