/**
 * The TaskRun Tekton's PipelineRun reconciler creates for a PipelineTask (createTaskRun): deterministic name
 * `kmeta.ChildName(<pipelineRun>, "-<pipelineTask>")`, the PipelineRun's labels plus Tekton's own
 * (createChildResourceLabels, and `tekton.dev/task` that the TaskRun reconciler adds once it resolved the
 * Task), a controller ownerReference to the PipelineRun, and a spec with the task's params, retries, timeout
 * (Tekton's defaulting webhook fills the 60-minute default) and the service account of `taskRunTemplate`.
 */
import { PIPELINE_RUN, TASK_RUN, TEKTON_API_VERSION } from '../domain/names';
import { taskRunName } from './child-name';
import { formatGoDuration } from './go-duration';
import type { ResolvedPipelineTask } from './pipeline-spec';
import type { PipelineRun, TaskRun } from './tekton-objects';
import { DEFAULT_SERVICE_ACCOUNT, DEFAULT_TIMEOUT_MS, TEKTON_LABELS } from './tekton-vocabulary';

export function newTaskRun(pipelineRun: PipelineRun, task: ResolvedPipelineTask): TaskRun {
  const pr = pipelineRun.metadata;
  const labels: Record<string, string> = {
    ...pr.labels,
    [TEKTON_LABELS.pipeline]: pr.labels?.[TEKTON_LABELS.pipeline] ?? pr.name,
    [TEKTON_LABELS.pipelineRun]: pr.name,
    [TEKTON_LABELS.pipelineRunUid]: pr.uid ?? '',
    [TEKTON_LABELS.pipelineTask]: task.name,
    [TEKTON_LABELS.memberOf]: 'tasks',
    [TEKTON_LABELS.task]: task.taskRef.name,
  };
  const taskRun: TaskRun = {
    apiVersion: TEKTON_API_VERSION,
    kind: TASK_RUN.kind,
    metadata: {
      name: taskRunName(pr.name, task.name),
      namespace: pr.namespace,
      labels,
      ownerReferences: [
        {
          apiVersion: TEKTON_API_VERSION,
          kind: PIPELINE_RUN.kind,
          name: pr.name,
          uid: pr.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      serviceAccountName: pipelineRun.spec.taskRunTemplate?.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT,
      taskRef: { name: task.taskRef.name, kind: task.taskRef.kind },
      params: task.params,
      timeout: task.timeout ?? formatGoDuration(DEFAULT_TIMEOUT_MS * 1e6),
    },
  };
  if (task.retries > 0) taskRun.spec.retries = task.retries;
  return taskRun;
}

/** True when the TaskRun was created for this very PipelineRun (not a leftover of an earlier one of the same name). */
export function isOwnedBy(taskRun: TaskRun, pipelineRun: PipelineRun): boolean {
  return (taskRun.metadata.ownerReferences ?? []).some(
    (ref) => ref.kind === PIPELINE_RUN.kind && ref.uid === pipelineRun.metadata.uid,
  );
}
