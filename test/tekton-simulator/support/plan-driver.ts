/**
 * Drives the pure planner through time over plain objects: applies each plan's actions the way the API server
 * would store them (create with a creation timestamp, status replaced, spec patched), then plans again at the
 * plan's `wakeAt`. Lets the planner's specification run whole PipelineRun lifecycles deterministically, with
 * no clock and no server.
 */
import { planNextStep, type SimulatorAction, type SimulatorPlan } from '../../../src/tekton-simulator/plan';
import { isDone, type PipelineRun, type TaskRun } from '../../../src/tekton-simulator/tekton-objects';
import { toTimestamp } from '../../../src/tekton-simulator/timestamps';

export const T0 = Date.parse('2026-08-20T10:00:00.000Z');

export class PlanDriver {
  readonly taskRuns = new Map<string, TaskRun>();
  readonly plans: { at: number; plan: SimulatorPlan }[] = [];
  now: number;

  constructor(
    public pipelineRun: PipelineRun,
    readonly defaultStepDurationMs = 200,
    start = T0,
  ) {
    this.now = start;
  }

  /** Plans once at the current time and applies the actions. */
  step(): SimulatorPlan {
    const plan = planNextStep(this.pipelineRun, [...this.taskRuns.values()], this.now, {
      defaultStepDurationMs: this.defaultStepDurationMs,
    });
    this.plans.push({ at: this.now, plan });
    for (const action of plan.actions) this.apply(action);
    return plan;
  }

  /** Plans repeatedly, jumping to each wake-up time, until the PipelineRun is done or `until` is reached. */
  runUntilDone(until = this.now + 24 * 3600_000): PipelineRun {
    for (let i = 0; i < 1000; i++) {
      const plan = this.step();
      if (isDone(this.pipelineRun) && plan.actions.length === 0) return this.pipelineRun;
      if (plan.actions.length > 0) continue; // re-plan at the same instant, as a watch event would trigger
      if (plan.wakeAt === undefined || plan.wakeAt > until) return this.pipelineRun;
      this.now = plan.wakeAt;
    }
    throw new Error('planner did not settle within 1000 plans');
  }

  /** Advances the clock without planning (e.g. the simulator was down). */
  advanceTo(at: number): void {
    this.now = at;
  }

  taskRun(pipelineTask: string): TaskRun {
    const found = [...this.taskRuns.values()].find(
      (tr) => tr.metadata.labels?.['tekton.dev/pipelineTask'] === pipelineTask,
    );
    if (!found) throw new Error(`no TaskRun for pipeline task ${pipelineTask}`);
    return found;
  }

  setSpecStatus(status: string): void {
    this.pipelineRun = { ...this.pipelineRun, spec: { ...this.pipelineRun.spec, status } };
  }

  private apply(action: SimulatorAction): void {
    switch (action.type) {
      case 'createTaskRun': {
        const { taskRun } = action;
        this.taskRuns.set(taskRun.metadata.name, {
          ...taskRun,
          metadata: {
            ...taskRun.metadata,
            uid: `uid-${taskRun.metadata.name}`,
            generation: 1,
            creationTimestamp: toTimestamp(this.now),
          },
          status: action.status,
        });
        return;
      }
      case 'cancelTaskRun': {
        const taskRun = this.taskRuns.get(action.name)!;
        this.taskRuns.set(action.name, {
          ...taskRun,
          spec: { ...taskRun.spec, status: 'TaskRunCancelled', statusMessage: action.statusMessage },
        });
        return;
      }
      case 'updateTaskRunStatus':
        this.taskRuns.set(action.name, { ...this.taskRuns.get(action.name)!, status: action.status });
        return;
      case 'labelPipelineRun':
        this.pipelineRun = {
          ...this.pipelineRun,
          metadata: { ...this.pipelineRun.metadata, labels: { ...this.pipelineRun.metadata.labels, ...action.labels } },
        };
        return;
      case 'updatePipelineRunStatus':
        this.pipelineRun = { ...this.pipelineRun, status: action.status };
        return;
    }
  }
}

/** Recursive type outline of a JSON value (arrays by their first element), to compare shapes, not values. */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, shapeOf(v)]));
  }
  return typeof value;
}

/** A jest matcher accepting any value whose shape has at least the fields of `shape` (recursively). */
export function shapeContaining(shape: unknown): unknown {
  if (Array.isArray(shape)) return shape.map(shapeContaining);
  if (shape && typeof shape === 'object') {
    return expect.objectContaining(
      Object.fromEntries(Object.entries(shape as Record<string, unknown>).map(([k, v]) => [k, shapeContaining(v)])),
    );
  }
  return shape;
}
