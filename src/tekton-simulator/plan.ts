/**
 * The simulator's whole decision: given a PipelineRun, the TaskRuns that exist for it and the time, what
 * Tekton's two reconcilers (PipelineRun and TaskRun) would write next. Pure: the controller only performs the
 * returned actions, in order (TaskRuns first, so a PipelineRun is never reported done before its TaskRuns),
 * and calls again on the next event or at `wakeAt`. Everything is derived from the objects, never from memory,
 * so re-planning after a crash, a lost write or a 409 converges on the same result.
 *
 * Within one call the plan runs to a fixpoint: a TaskRun that finishes lets its dependants be created in the
 * same plan, so with zero step durations a whole PipelineRun completes in one pass.
 */
import { withSucceeded, type SucceededState } from './conditions';
import { formatGoDuration } from './go-duration';
import { pipelineFacts } from './pipeline-facts';
import { pipelineTimeoutMs, resolvePipeline, type ResolvedPipelineTask } from './pipeline-spec';
import { progressTaskRun } from './task-run-lifecycle';
import { isOwnedBy, newTaskRun } from './task-run-factory';
import { taskRunName } from './child-name';
import {
  isDone,
  type ChildReference,
  type PipelineRun,
  type PipelineRunStatus,
  type TaskRun,
  type TaskRunStatus,
} from './tekton-objects';
import {
  MESSAGES,
  PIPELINE_RUN_REASONS,
  PIPELINE_RUN_SPEC_STATUS,
  TASK_RUN_CANCEL_MESSAGES,
  TASK_RUN_SPEC_STATUS_CANCELLED,
  TEKTON_LABELS,
} from './tekton-vocabulary';
import { TASK_RUN, TEKTON_API_VERSION } from '../domain/names';
import { parseTimestamp, toTimestamp } from './timestamps';

export interface PlanOptions {
  /** How long a step without a `simulate.durationMs` runs; 0 = instant. */
  defaultStepDurationMs: number;
}

export type SimulatorAction =
  | { type: 'createTaskRun'; taskRun: TaskRun; status: TaskRunStatus }
  | { type: 'cancelTaskRun'; namespace: string; name: string; statusMessage: string }
  | { type: 'updateTaskRunStatus'; namespace: string; name: string; status: TaskRunStatus }
  | { type: 'labelPipelineRun'; namespace: string; name: string; labels: Record<string, string> }
  | { type: 'updatePipelineRunStatus'; namespace: string; name: string; status: PipelineRunStatus };

export interface SimulatorPlan {
  actions: SimulatorAction[];
  /** When to plan again even if nothing else happens (epoch ms): a step ending, a timeout. */
  wakeAt?: number;
}

const DEFAULT_OPTIONS: PlanOptions = { defaultStepDurationMs: 200 };

/** `spec.managedBy` values Tekton's own controller acts on; anything else belongs to another controller. */
const TEKTON_MANAGED_BY = ['', 'tekton.dev/pipeline'];

export function planNextStep(
  pipelineRun: PipelineRun,
  taskRuns: readonly TaskRun[],
  now: number,
  options: PlanOptions = DEFAULT_OPTIONS,
): SimulatorPlan {
  if (!TEKTON_MANAGED_BY.includes(pipelineRun.spec.managedBy ?? '')) return { actions: [] };
  const work = new PlanWork(pipelineRun, taskRuns, options);
  const prStatus = pipelineRun.status ?? {};

  if (isDone(pipelineRun)) {
    // The PipelineRun is finished; its TaskRuns still follow their own lifecycle (TaskRun reconciler).
    for (const taskRun of work.owned.values()) work.progress(taskRun.metadata.name, { now });
    return work.plan();
  }

  const specStatus = pipelineRun.spec.status;
  if (specStatus === PIPELINE_RUN_SPEC_STATUS.pending && prStatus.startTime === undefined) {
    const pending: SucceededState = {
      status: 'Unknown',
      reason: PIPELINE_RUN_REASONS.pending,
      message: MESSAGES.pipelineRunPending(pipelineRun.metadata.name),
    };
    return work.plan({
      ...prStatus,
      conditions: withSucceeded(prStatus.conditions, pending, now),
      observedGeneration: pipelineRun.metadata.generation,
    });
  }

  const startTime = prStatus.startTime ?? toTimestamp(now);
  const base: PipelineRunStatus = { ...prStatus, startTime, observedGeneration: pipelineRun.metadata.generation };
  if (!pipelineRun.metadata.labels?.[TEKTON_LABELS.pipeline]) {
    work.label({ [TEKTON_LABELS.pipeline]: pipelineRun.metadata.name });
  }

  const resolution = resolvePipeline(pipelineRun);
  if (!resolution.ok) {
    const failed: SucceededState = { status: 'False', reason: resolution.reason, message: resolution.message };
    return work.plan({
      ...base,
      conditions: withSucceeded(prStatus.conditions, failed, now),
      completionTime: toTimestamp(now),
    });
  }
  const tasks = resolution.tasks;

  if (
    specStatus === PIPELINE_RUN_SPEC_STATUS.cancelled ||
    specStatus === PIPELINE_RUN_SPEC_STATUS.cancelledRunFinally
  ) {
    // cancelPipelineRun: cancel every child, then report Cancelled; skippedTasks stay as last computed.
    for (const task of tasks) work.cancel(task, TASK_RUN_CANCEL_MESSAGES.pipelineRunCancelled, now);
    const cancelled: SucceededState = {
      status: 'False',
      reason: PIPELINE_RUN_REASONS.cancelled,
      message: MESSAGES.pipelineRunCancelled(pipelineRun.metadata.name),
    };
    return work.plan(
      withChildren(
        { ...base, conditions: withSucceeded(prStatus.conditions, cancelled, now), completionTime: toTimestamp(now) },
        work.childReferences(tasks),
      ),
    );
  }

  const timeoutMs = pipelineTimeoutMs(pipelineRun);
  const deadline = timeoutMs === 0 ? undefined : parseTimestamp(startTime)! + timeoutMs;
  const timedOut = deadline !== undefined && now > deadline; // Tekton: runtime > timeout
  const horizon = timedOut ? deadline : now;
  const prFacts = () =>
    pipelineFacts({ name: pipelineRun.metadata.name, specStatus, timedOut }, tasks, work.byTask(tasks));

  for (;;) {
    for (const task of tasks) work.progress(taskRunName(pipelineRun.metadata.name, task.name), { now, horizon });
    const schedulable = timedOut ? [] : prFacts().schedulable;
    const created = schedulable.filter((task) => work.create(task));
    if (created.length === 0) break;
  }
  const facts = prFacts();

  if (timedOut) {
    // timeoutPipelineRun: cancel the running children with the timeout message, report PipelineRunTimeout.
    for (const task of tasks) work.cancel(task, TASK_RUN_CANCEL_MESSAGES.pipelineRunTimedOut, deadline);
    const message = MESSAGES.pipelineRunTimedOut(pipelineRun.metadata.name, formatGoDuration(timeoutMs * 1e6));
    const condition: SucceededState = { status: 'False', reason: PIPELINE_RUN_REASONS.timedOut, message };
    return work.plan(
      withChildren(
        { ...base, conditions: withSucceeded(prStatus.conditions, condition, now), completionTime: toTimestamp(now) },
        work.childReferences(tasks),
        facts.skippedTasks,
      ),
    );
  }

  const status = withChildren(
    { ...base, conditions: withSucceeded(prStatus.conditions, facts.condition, now) },
    work.childReferences(tasks),
    facts.skippedTasks,
  );
  if (facts.condition.status !== 'Unknown') status.completionTime = toTimestamp(now);
  else if (deadline !== undefined) work.wake(deadline + 1);
  return work.plan(status);
}

function withChildren(
  status: PipelineRunStatus,
  children: ChildReference[],
  skipped = status.skippedTasks,
): PipelineRunStatus {
  const next: PipelineRunStatus = { ...status };
  delete next.childReferences;
  delete next.skippedTasks;
  if (children.length > 0) next.childReferences = children;
  if (skipped && skipped.length > 0) next.skippedTasks = skipped;
  return next;
}

/** Working copies of the TaskRuns while a plan is built, and the actions collected so far. */
class PlanWork {
  readonly owned = new Map<string, TaskRun>();
  private readonly occupiedNames = new Set<string>();
  private readonly current = new Map<string, TaskRun>();
  private readonly created = new Set<string>();
  private readonly cancels: SimulatorAction[] = [];
  private readonly labels: Record<string, string> = {};
  private wakeAt: number | undefined;

  constructor(
    private readonly pipelineRun: PipelineRun,
    taskRuns: readonly TaskRun[],
    private readonly options: PlanOptions,
  ) {
    for (const taskRun of taskRuns) {
      if (taskRun.metadata.namespace !== pipelineRun.metadata.namespace) continue;
      this.occupiedNames.add(taskRun.metadata.name);
      if (isOwnedBy(taskRun, pipelineRun)) {
        this.owned.set(taskRun.metadata.name, taskRun);
        this.current.set(taskRun.metadata.name, taskRun);
      }
    }
  }

  byTask(tasks: readonly ResolvedPipelineTask[]): Map<string, TaskRun> {
    const result = new Map<string, TaskRun>();
    for (const task of tasks) {
      const taskRun = this.current.get(taskRunName(this.pipelineRun.metadata.name, task.name));
      if (taskRun) result.set(task.name, taskRun);
    }
    return result;
  }

  childReferences(tasks: readonly ResolvedPipelineTask[]): ChildReference[] {
    return [...this.byTask(tasks)].map(([pipelineTaskName, taskRun]) => ({
      apiVersion: TEKTON_API_VERSION,
      kind: TASK_RUN.kind,
      name: taskRun.metadata.name,
      pipelineTaskName,
    }));
  }

  /** Schedules a PipelineTask; false when its TaskRun name is still held by a leftover of another PipelineRun. */
  create(task: ResolvedPipelineTask): boolean {
    const taskRun = newTaskRun(this.pipelineRun, task);
    if (this.occupiedNames.has(taskRun.metadata.name)) return false;
    this.occupiedNames.add(taskRun.metadata.name);
    this.current.set(taskRun.metadata.name, taskRun);
    this.created.add(taskRun.metadata.name);
    return true;
  }

  progress(name: string, clock: { now: number; horizon?: number }): void {
    const taskRun = this.current.get(name);
    if (!taskRun) return;
    const result = progressTaskRun(taskRun, { ...clock, defaultStepDurationMs: this.options.defaultStepDurationMs });
    if (result.status) this.current.set(name, { ...taskRun, status: result.status });
    if (result.wakeAt !== undefined) this.wake(result.wakeAt);
  }

  cancel(task: ResolvedPipelineTask, statusMessage: string, at: number): void {
    const name = taskRunName(this.pipelineRun.metadata.name, task.name);
    const taskRun = this.current.get(name);
    if (!taskRun || isDone(taskRun)) return;
    if (!this.created.has(name)) {
      this.cancels.push({ type: 'cancelTaskRun', namespace: taskRun.metadata.namespace, name, statusMessage });
    }
    this.current.set(name, {
      ...taskRun,
      spec: { ...taskRun.spec, status: TASK_RUN_SPEC_STATUS_CANCELLED, statusMessage },
    });
    this.progress(name, { now: at });
  }

  label(labels: Record<string, string>): void {
    Object.assign(this.labels, labels);
  }

  wake(at: number): void {
    this.wakeAt = this.wakeAt === undefined ? at : Math.min(this.wakeAt, at);
  }

  plan(pipelineRunStatus?: PipelineRunStatus): SimulatorPlan {
    const { namespace, name } = this.pipelineRun.metadata;
    const actions: SimulatorAction[] = [];
    for (const created of this.created) {
      const taskRun = this.current.get(created)!;
      const { status, ...object } = taskRun;
      actions.push({ type: 'createTaskRun', taskRun: object, status: status! });
    }
    actions.push(...this.cancels);
    for (const [taskRunName, original] of this.owned) {
      const status = this.current.get(taskRunName)!.status;
      if (status && !sameJson(status, original.status)) {
        actions.push({ type: 'updateTaskRunStatus', namespace, name: taskRunName, status });
      }
    }
    if (Object.keys(this.labels).length > 0)
      actions.push({ type: 'labelPipelineRun', namespace, name, labels: this.labels });
    if (pipelineRunStatus && !sameJson(pipelineRunStatus, this.pipelineRun.status)) {
      actions.push({ type: 'updatePipelineRunStatus', namespace, name, status: pipelineRunStatus });
    }
    return this.wakeAt === undefined ? { actions } : { actions, wakeAt: this.wakeAt };
  }
}

/** Structural equality of JSON values, ignoring key order and undefined members (as the API server would). */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>)
              .filter(([, x]) => x !== undefined)
              .sort(([x], [y]) => (x < y ? -1 : 1)),
          )
        : v,
    ) ?? 'undefined'
  );
}
