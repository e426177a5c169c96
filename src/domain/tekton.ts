/**
 * The parts of Tekton v1 PipelineRun and TaskRun objects the status mapping reads (shapes from
 * tektoncd/pipeline `pkg/apis/pipeline/v1`). Every field is optional and read defensively: these
 * objects come from the API server, written by a controller of whatever version the cluster runs,
 * and a status this code has never seen must degrade to "Unknown", never to an exception.
 */

export interface TektonCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface ChildReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  pipelineTaskName?: string;
  displayName?: string;
}

export interface SkippedTask {
  name?: string;
  reason?: string;
}

export interface PipelineRunObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { apiVersion?: string; kind?: string; name?: string; uid?: string }[];
  };
  spec?: {
    status?: string;
    pipelineSpec?: { tasks?: { name?: string; params?: { name?: string; value?: unknown }[] }[] };
    timeouts?: { pipeline?: string };
  };
  status?: {
    conditions?: TektonCondition[];
    startTime?: string;
    completionTime?: string;
    childReferences?: ChildReference[];
    skippedTasks?: SkippedTask[];
  };
}

export interface StepState {
  name?: string;
  container?: string;
  terminationReason?: string;
  terminated?: { exitCode?: number; reason?: string; message?: string; startedAt?: string; finishedAt?: string };
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
}

export interface TaskRunObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  status?: {
    conditions?: TektonCondition[];
    podName?: string;
    startTime?: string;
    completionTime?: string;
    steps?: StepState[];
    retriesStatus?: unknown[];
  };
}

/** Label Tekton puts on child TaskRuns naming their PipelineTask. */
export const PIPELINE_TASK_LABEL = 'tekton.dev/pipelineTask';

/** Tekton's `Succeeded` condition, if the object has a usable one. */
export function succeededCondition(
  obj: { status?: { conditions?: unknown } } | undefined,
): TektonCondition | undefined {
  const conditions = obj?.status?.conditions;
  if (!Array.isArray(conditions)) return undefined;
  const found = conditions.find((c): c is TektonCondition => isObject(c) && c.type === 'Succeeded');
  return found === undefined
    ? undefined
    : { ...found, reason: asString(found.reason), message: asString(found.message), status: asString(found.status) };
}

/** Done means Succeeded is True or False; Unknown (or no condition) means still going. */
export function isDone(condition: TektonCondition | undefined): boolean {
  return condition?.status === 'True' || condition?.status === 'False';
}

export function asArray<T = unknown>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
