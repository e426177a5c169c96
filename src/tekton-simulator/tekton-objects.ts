/**
 * The parts of Tekton v1 PipelineRun / TaskRun objects the simulator reads and writes, as plain JSON shapes
 * (json field names of pkg/apis/pipeline/v1). Objects come from the API server untyped, so every field the
 * simulator did not write itself is optional here and checked where it is used.
 */

export interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface Param {
  name: string;
  value: unknown;
}

export interface PipelineTask {
  name?: unknown;
  taskRef?: { name?: unknown; kind?: unknown };
  taskSpec?: unknown;
  params?: unknown;
  runAfter?: unknown;
  timeout?: unknown;
  retries?: unknown;
}

export interface PipelineRunSpec {
  pipelineRef?: { name?: string };
  pipelineSpec?: { tasks?: unknown; finally?: unknown };
  status?: string;
  timeouts?: { pipeline?: string; tasks?: string; finally?: string };
  taskRunTemplate?: { serviceAccountName?: string };
  managedBy?: string;
}

export interface ChildReference {
  apiVersion: string;
  kind: string;
  name: string;
  pipelineTaskName: string;
}

export interface SkippedTask {
  name: string;
  reason: string;
}

export interface PipelineRunStatus {
  conditions?: Condition[];
  observedGeneration?: number;
  startTime?: string;
  completionTime?: string;
  childReferences?: ChildReference[];
  skippedTasks?: SkippedTask[];
}

export interface PipelineRun {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: PipelineRunSpec;
  status?: PipelineRunStatus;
}

export interface ContainerStateTerminated {
  exitCode: number;
  reason: string;
  message?: string;
  containerID?: string;
  startedAt: string;
  finishedAt: string;
}

export interface StepState {
  name: string;
  container: string;
  imageID?: string;
  running?: { startedAt: string };
  waiting?: { reason: string; message?: string };
  terminated?: ContainerStateTerminated;
  terminationReason?: string;
}

export interface TaskRunStatus {
  conditions?: Condition[];
  observedGeneration?: number;
  podName: string;
  startTime?: string;
  completionTime?: string;
  steps?: StepState[];
  retriesStatus?: TaskRunStatus[];
}

export interface TaskRunSpec {
  serviceAccountName?: string;
  taskRef?: { name?: string; kind?: string };
  params?: Param[];
  retries?: number;
  timeout?: string;
  status?: string;
  statusMessage?: string;
}

export interface TaskRun {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: TaskRunSpec;
  status?: TaskRunStatus;
}

export function succeededCondition(status: { conditions?: Condition[] } | undefined): Condition | undefined {
  return status?.conditions?.find((c) => c.type === 'Succeeded');
}

/** Done = the Succeeded condition is True or False (Unknown or absent = still going). */
export function isDone(object: { status?: { conditions?: Condition[] } }): boolean {
  const status = succeededCondition(object.status)?.status;
  return status === 'True' || status === 'False';
}

export function objectKey(meta: { namespace: string; name: string }): string {
  return `${meta.namespace}/${meta.name}`;
}
