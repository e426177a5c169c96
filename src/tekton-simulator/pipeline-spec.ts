/**
 * Reads a PipelineRun's inline `pipelineSpec` into the PipelineTasks the simulator can run, or the permanent
 * failure real Tekton would report for it (reason + message). Objects come from the API server where the
 * PipelineRun CRD leaves `pipelineSpec` schemaless, so every field is checked here and named by its JSON path.
 *
 * Only what kubernaut-temporal's translation produces is simulated: tasks with `taskRef` to the generic
 * `kubernaut-action` Task (others fail with CouldntGetTask, as they would on a cluster without that Task),
 * `runAfter`, `timeout`, `retries`, `params`. Pipelines by reference (none exist here) fail with
 * CouldntGetPipeline; `finally` tasks are rejected rather than silently ignored.
 */
import { KUBERNAUT_ACTION_TASK } from '../domain/names';
import { formatGoDuration, nanosToMs, parseGoDuration } from './go-duration';
import type { Param, PipelineRun } from './tekton-objects';
import { DEFAULT_TIMEOUT_MS, MESSAGES, PIPELINE_RUN_REASONS } from './tekton-vocabulary';

export interface ResolvedPipelineTask {
  name: string;
  taskRef: { name: string; kind: string };
  params: Param[];
  runAfter: string[];
  /** Go duration as Tekton re-serialises it ("30s" → "30s", "1h" → "1h0m0s"); undefined = Tekton's default. */
  timeout?: string;
  retries: number;
}

export type PipelineResolution =
  { ok: true; tasks: ResolvedPipelineTask[] } | { ok: false; reason: string; message: string };

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

class SpecError extends Error {}

export function resolvePipeline(pipelineRun: PipelineRun): PipelineResolution {
  const { namespace, name } = pipelineRun.metadata;
  const spec = pipelineRun.spec;
  if (spec.pipelineRef?.name) {
    return {
      ok: false,
      reason: PIPELINE_RUN_REASONS.couldntGetPipeline,
      message: MESSAGES.pipelineNotFound(namespace, name, spec.pipelineRef.name),
    };
  }
  let tasks: ResolvedPipelineTask[];
  try {
    pipelineTimeoutMs(pipelineRun);
    tasks = readTasks(spec.pipelineSpec);
  } catch (err) {
    if (!(err instanceof SpecError)) throw err;
    return {
      ok: false,
      reason: PIPELINE_RUN_REASONS.validationFailed,
      message: MESSAGES.invalidPipelineSpec(namespace, name, err.message),
    };
  }
  const graphError = findGraphError(tasks);
  if (graphError)
    return {
      ok: false,
      reason: PIPELINE_RUN_REASONS.invalidGraph,
      message: MESSAGES.invalidGraph(namespace, name, graphError),
    };
  const missing = tasks.find((t) => t.taskRef.name !== KUBERNAUT_ACTION_TASK || t.taskRef.kind !== 'Task');
  if (missing) {
    return {
      ok: false,
      reason: PIPELINE_RUN_REASONS.couldntGetTask,
      message: MESSAGES.taskNotFound(namespace, name, missing.taskRef.name),
    };
  }
  return { ok: true, tasks };
}

/** `spec.timeouts.pipeline` in ms (Tekton's 60-minute default when absent); 0 = no timeout. */
export function pipelineTimeoutMs(pipelineRun: PipelineRun): number {
  const text = pipelineRun.spec.timeouts?.pipeline;
  if (text === undefined) return DEFAULT_TIMEOUT_MS;
  try {
    return nanosToMs(parseGoDuration(text));
  } catch (err) {
    throw new SpecError(`spec.timeouts.pipeline: ${(err as Error).message}`);
  }
}

function readTasks(pipelineSpec: unknown): ResolvedPipelineTask[] {
  if (!isObject(pipelineSpec))
    throw new SpecError('spec.pipelineSpec: required (the simulator runs inline pipelines only)');
  if (
    pipelineSpec.finally !== undefined &&
    !(Array.isArray(pipelineSpec.finally) && pipelineSpec.finally.length === 0)
  ) {
    throw new SpecError('spec.pipelineSpec.finally: finally tasks are not simulated');
  }
  const tasks = pipelineSpec.tasks;
  if (!Array.isArray(tasks) || tasks.length === 0)
    throw new SpecError('spec.pipelineSpec.tasks: must be a non-empty list');
  return tasks.map((task, i) => readTask(task, `spec.pipelineSpec.tasks[${i}]`));
}

function readTask(task: unknown, path: string): ResolvedPipelineTask {
  if (!isObject(task)) throw new SpecError(`${path}: must be an object`);
  const name = task.name;
  if (typeof name !== 'string' || name.length > 63 || !DNS_LABEL.test(name)) {
    throw new SpecError(`${path}.name: must be a DNS-1123 label of at most 63 characters`);
  }
  const taskRef = isObject(task.taskRef) ? task.taskRef : {};
  const params = task.params ?? [];
  if (!Array.isArray(params) || !params.every((p) => isObject(p) && typeof p.name === 'string' && 'value' in p)) {
    throw new SpecError(`${path}.params: must be a list of {name, value}`);
  }
  const runAfter = task.runAfter ?? [];
  if (!Array.isArray(runAfter) || !runAfter.every((r) => typeof r === 'string')) {
    throw new SpecError(`${path}.runAfter: must be a list of task names`);
  }
  const retries = task.retries ?? 0;
  if (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0) {
    throw new SpecError(`${path}.retries: must be a non-negative integer`);
  }
  let timeout: string | undefined;
  if (task.timeout !== undefined) {
    if (typeof task.timeout !== 'string') throw new SpecError(`${path}.timeout: must be a Go duration string`);
    try {
      timeout = formatGoDuration(parseGoDuration(task.timeout));
    } catch (err) {
      throw new SpecError(`${path}.timeout: ${(err as Error).message}`);
    }
  }
  return {
    name,
    taskRef: {
      name: typeof taskRef.name === 'string' ? taskRef.name : '',
      kind: typeof taskRef.kind === 'string' ? taskRef.kind : 'Task',
    },
    params: params as Param[],
    runAfter: runAfter as string[],
    timeout,
    retries,
  };
}

/** dag.Build's checks: unique names, known runAfter targets, no cycles (message wording follows Tekton's). */
function findGraphError(tasks: ResolvedPipelineTask[]): string | undefined {
  const names = new Set<string>();
  for (const task of tasks) {
    if (names.has(task.name))
      return `task ${task.name} is already present in Graph, can't add it again: duplicate pipeline task`;
    names.add(task.name);
  }
  for (const task of tasks) {
    const unknown = task.runAfter.find((r) => !names.has(r));
    if (unknown !== undefined)
      return `task ${task.name} depends on ${unknown} but ${unknown} wasn't present in Pipeline`;
  }
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): string | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return name;
    state.set(name, 'visiting');
    for (const parent of byName.get(name)!.runAfter) {
      const cycleAt = visit(parent);
      if (cycleAt !== undefined) return cycleAt;
    }
    state.set(name, 'done');
    return undefined;
  };
  for (const task of tasks) {
    const cycleAt = visit(task.name);
    if (cycleAt !== undefined) {
      const deps = byName
        .get(cycleAt)!
        .runAfter.map((d) => JSON.stringify(d))
        .join(', ');
      return `cycle detected; task ${JSON.stringify(cycleAt)} depends on ${deps}`;
    }
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
