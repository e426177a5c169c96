/**
 * Tekton's own words: condition reasons, message formats, labels and skip reasons, spelled as the
 * tektoncd/pipeline v1 controller spells them (pkg/apis/pipeline/v1, pkg/reconciler/{pipelinerun,taskrun},
 * pkg/pod/status.go). The simulator only writes what is listed here, so a consumer that understands real
 * Tekton understands the simulator.
 */

export const SUCCEEDED_CONDITION = 'Succeeded';

export const PIPELINE_RUN_REASONS = {
  started: 'Started',
  running: 'Running',
  pending: 'PipelineRunPending',
  stopping: 'PipelineRunStopping',
  stoppedRunningFinally: 'StoppedRunningFinally',
  succeeded: 'Succeeded',
  completed: 'Completed',
  failed: 'Failed',
  timedOut: 'PipelineRunTimeout',
  cancelled: 'Cancelled',
  couldntGetTask: 'CouldntGetTask',
  couldntGetPipeline: 'CouldntGetPipeline',
  invalidGraph: 'PipelineInvalidGraph',
  validationFailed: 'PipelineValidationFailed',
} as const;

/** TaskRun reasons; the step ones are the v1.12+ spellings (before v1.12 a step failure was `Failed`). */
export const TASK_RUN_REASONS = {
  running: 'Running',
  pending: 'Pending',
  toBeRetried: 'ToBeRetried',
  succeeded: 'Succeeded',
  stepFailed: 'StepFailed',
  stepOOM: 'StepOOM',
  imagePullFailed: 'TaskRunImagePullFailed',
  timedOut: 'TaskRunTimeout',
  cancelled: 'TaskRunCancelled',
  validationFailed: 'TaskRunValidationFailed',
} as const;

/** `spec.status` values (user-settable). */
export const PIPELINE_RUN_SPEC_STATUS = {
  cancelled: 'Cancelled',
  cancelledRunFinally: 'CancelledRunFinally',
  stoppedRunFinally: 'StoppedRunFinally',
  pending: 'PipelineRunPending',
} as const;

export const TASK_RUN_SPEC_STATUS_CANCELLED = 'TaskRunCancelled';

/** `spec.statusMessage` Tekton writes on the TaskRuns it cancels (TaskRunCancelledBy*Msg). */
export const TASK_RUN_CANCEL_MESSAGES = {
  pipelineRunCancelled: 'TaskRun cancelled as the PipelineRun it belongs to has been cancelled.',
  pipelineRunTimedOut: 'TaskRun cancelled as the PipelineRun it belongs to has timed out.',
} as const;

export const SKIP_REASONS = {
  stopping: 'PipelineRun was stopping',
  gracefullyStopped: 'PipelineRun was gracefully stopped',
  parentSkipped: 'Parent Tasks were skipped',
  pipelineTimedOut: 'PipelineRun timeout has been reached',
} as const;

/** Container termination reasons (kubelet) and the step `terminationReason` Tekton copies from them. */
export const TERMINATION_REASONS = {
  completed: 'Completed',
  error: 'Error',
  oomKilled: 'OOMKilled',
} as const;

export const TEKTON_LABELS = {
  pipeline: 'tekton.dev/pipeline',
  pipelineRun: 'tekton.dev/pipelineRun',
  pipelineRunUid: 'tekton.dev/pipelineRunUID',
  pipelineTask: 'tekton.dev/pipelineTask',
  memberOf: 'tekton.dev/memberOf',
  task: 'tekton.dev/task',
} as const;

/** `[User error] ` (pkg/apis/pipeline/errors.UserErrorLabel) marks failures the user must fix. */
export const USER_ERROR_LABEL = '[User error] ';

/** Tekton's `config-defaults`: default-timeout-minutes 60, default-service-account "default". */
export const DEFAULT_TIMEOUT_MS = 60 * 60 * 1000;
export const DEFAULT_SERVICE_ACCOUNT = 'default';

/**
 * The one step of the generic `kubernaut-action` Task (deploy/tekton/kubernaut-action.yaml: `steps[0].name`);
 * its container is `step-execute`.
 */
export const KUBERNAUT_ACTION_STEP = 'execute';

export const MESSAGES = {
  pipelineRunCounts: (c: {
    completed: number;
    failed: number;
    cancelled: number;
    incomplete: number;
    skipped: number;
  }) =>
    `Tasks Completed: ${c.completed} (Failed: ${c.failed}, Cancelled ${c.cancelled}), Incomplete: ${c.incomplete}, Skipped: ${c.skipped}`,
  pipelineRunDone: (c: { completed: number; failed: number; cancelled: number; skipped: number }) =>
    `Tasks Completed: ${c.completed} (Failed: ${c.failed}, Cancelled ${c.cancelled}), Skipped: ${c.skipped}`,
  pipelineRunCancelled: (name: string) => `PipelineRun ${goQuote(name)} was cancelled`,
  pipelineRunTimedOut: (name: string, timeout: string) =>
    `PipelineRun ${goQuote(name)} failed to finish within ${goQuote(timeout)}`,
  pipelineRunPending: (name: string) => `PipelineRun ${goQuote(name)} is pending`,
  taskNotFound: (namespace: string, pipelineRun: string, task: string) =>
    `${USER_ERROR_LABEL}Pipeline ${namespace}/${pipelineRun} can't be Run; it contains Tasks that don't exist: ` +
    `Couldn't retrieve Task ${goQuote(task)}: tasks.tekton.dev ${goQuote(task)} not found`,
  pipelineNotFound: (namespace: string, pipelineRun: string, pipeline: string) =>
    `${USER_ERROR_LABEL}Error retrieving pipeline for pipelinerun ${namespace}/${pipelineRun}: ` +
    `error when getting Pipeline for PipelineRun ${pipelineRun}: pipelines.tekton.dev ${goQuote(pipeline)} not found`,
  invalidGraph: (namespace: string, pipelineRun: string, detail: string) =>
    `${USER_ERROR_LABEL}PipelineRun ${namespace}/${pipelineRun}'s Pipeline DAG is invalid: ${detail}`,
  invalidPipelineSpec: (namespace: string, pipelineRun: string, detail: string) =>
    `${USER_ERROR_LABEL}Pipeline ${namespace}/${pipelineRun} can't be Run; it has an invalid spec: ${detail}`,
  taskRunRunning: 'Not all Steps in the Task have finished executing',
  taskRunPending: (container: string) =>
    `pod status "Ready":"False"; message: "containers with unready status: [${container}]"`,
  taskRunSucceeded: 'All Steps have completed executing',
  stepExited: (container: string, exitCode: number, reason: string) =>
    `${goQuote(container)} exited with code ${exitCode}${reason ? `: ${reason}` : ''}`,
  imagePullFailed: (step: string, taskRun: string, image: string) =>
    `the step ${goQuote(step)} in TaskRun ${goQuote(taskRun)} failed to pull the image ${goQuote(image)}. ` +
    `The pod errored with the message: "Back-off pulling image ${goQuote(image)}."`,
  taskRunTimedOut: (taskRun: string, timeout: string) =>
    `TaskRun ${goQuote(taskRun)} failed to finish within ${goQuote(timeout)}`,
  taskRunCancelled: (taskRun: string, statusMessage: string) =>
    `TaskRun ${goQuote(taskRun)} was cancelled. ${statusMessage}`,
  stepTerminatedWithPod: (step: string, pod: string) => `Step ${step} terminated as pod ${pod} is terminated`,
  invalidDirective: (detail: string) => `${USER_ERROR_LABEL}invalid simulate directive in param "inputs": ${detail}`,
} as const;

/** Go's `%q` for the plain names and durations Tekton quotes (JSON string escaping matches for these). */
export function goQuote(text: string): string {
  return JSON.stringify(text);
}
