/**
 * Why did it fail? Tekton reasons and messages → one FailureReason, the vocabulary the orchestrator
 * and operators act on (retry, raise a limit, fix RBAC …).
 *
 * Order of evidence: exact Tekton reasons first (since v1.12 TaskRuns say StepOOM, TaskRunImagePullFailed …
 * outright), then container termination reasons (pre-1.12 Tekton only said "Failed"), then upstream
 * kubernaut's ordered substring rules (`failure_analysis.go`), which still catch messages from
 * older controllers and from reasons added after this code was written.
 */
import type { FailureReason } from './workflow-execution';

/** PipelineRun reasons that decide the outcome regardless of what the tasks did. */
const PIPELINE_RUN_REASONS: Record<string, FailureReason> = {
  PipelineRunTimeout: 'DeadlineExceeded',
  Cancelled: 'Cancelled',
  PipelineRunCancelled: 'Cancelled', // v1beta1-era spelling
  CancelledRunFinally: 'Cancelled',
  StoppedRunFinally: 'Cancelled',
  CouldntGetPipeline: 'ConfigurationError',
  CouldntGetTask: 'ConfigurationError',
  CouldntGetPipelineResult: 'ConfigurationError',
  InvalidPipelineResourceBindings: 'ConfigurationError',
  InvalidWorkspaceBindings: 'ConfigurationError',
  InvalidTaskRunSpecs: 'ConfigurationError',
  ParameterTypeMismatch: 'ConfigurationError',
  ObjectParameterMissKeys: 'ConfigurationError',
  ParamArrayIndexingInvalid: 'ConfigurationError',
  ParameterMissing: 'ConfigurationError',
  PipelineInvalidGraph: 'ConfigurationError',
  PipelineValidationFailed: 'ConfigurationError',
  InvalidMatrixParameterTypes: 'ConfigurationError',
  InvalidTaskResultReference: 'ConfigurationError',
  InvalidPipelineResultReference: 'ConfigurationError',
  RequiredWorkspaceMarkedOptional: 'ConfigurationError',
  ResourceVerificationFailed: 'ConfigurationError',
  CELEvaluationFailed: 'ConfigurationError',
  InvalidParamValue: 'ConfigurationError',
};

const TASK_RUN_REASONS: Record<string, FailureReason> = {
  StepOOM: 'OOMKilled',
  SidecarOOM: 'OOMKilled',
  InitContainerOOM: 'OOMKilled',
  TaskRunImagePullFailed: 'ImagePullBackOff',
  PullImageFailed: 'ImagePullBackOff',
  TaskRunTimeout: 'DeadlineExceeded',
  PodEvicted: 'ResourceExhausted',
  ExceededNodeResources: 'ResourceExhausted',
  ExceededResourceQuota: 'ResourceExhausted',
  PodAdmissionFailed: 'Forbidden',
  CreateContainerConfigError: 'ConfigurationError',
  TaskRunValidationFailed: 'ConfigurationError',
  TaskValidationFailed: 'ConfigurationError',
  TaskRunResolutionFailed: 'ConfigurationError',
  ResourceVerificationFailed: 'ConfigurationError',
  InvalidParamValue: 'ConfigurationError',
  CouldntGetTask: 'ConfigurationError',
  TaskRunResultLargerThanAllowedLimit: 'TaskFailed',
};

/** Reasons meaning "a container exited non-zero": the message may say more, else it is a task failure. */
const GENERIC_TASK_FAILURES = new Set([
  'StepFailed',
  'Failed',
  'SidecarFailed',
  'InitContainerFailed',
  'TaskRunStopSidecarFailed',
  'FailureIgnored',
]);

export interface FailureSignal {
  reason?: string;
  message?: string;
}

export interface TaskRunFailureSignal extends FailureSignal {
  /** `terminated.reason` / `terminationReason` of the TaskRun's steps (OOMKilled, TimeoutExceeded …). */
  terminationReasons?: readonly string[];
}

/**
 * A PipelineRun reason that settles the classification on its own (timeout, cancellation, invalid
 * pipeline), or undefined when the tasks must be asked (`Failed`, unknown reasons).
 */
export function classifyPipelineRunReason(signal: FailureSignal): FailureReason | undefined {
  const exact = signal.reason !== undefined ? PIPELINE_RUN_REASONS[signal.reason] : undefined;
  if (exact !== undefined) return exact;
  if (signal.reason === 'CreateRunFailed') return classifyCreationFailure(signal);
  return undefined;
}

/** A failed (or cancelled) TaskRun → FailureReason. */
export function classifyTaskRunFailure(signal: TaskRunFailureSignal): FailureReason {
  const { reason, message } = signal;
  if (reason === 'TaskRunCancelled') return mentionsTimeout(message) ? 'DeadlineExceeded' : 'Cancelled';
  const exact = reason !== undefined ? TASK_RUN_REASONS[reason] : undefined;
  if (exact !== undefined) return exact;
  const terminations = signal.terminationReasons ?? [];
  if (terminations.includes('OOMKilled')) return 'OOMKilled';
  if (terminations.includes('TimeoutExceeded') || terminations.includes('TaskRunTimeout')) return 'DeadlineExceeded';
  if (reason === 'PodCreationFailed') return classifyCreationFailure(signal);
  const byMessage = classifyByMessage(signal);
  if (byMessage === 'Unknown' && reason !== undefined && GENERIC_TASK_FAILURES.has(reason)) return 'TaskFailed';
  return byMessage;
}

/**
 * Upstream kubernaut's ordered rules (case-insensitive; first match wins). "oom" must be a word of
 * its own here, so a message about a "room" or "zoom" is not an out-of-memory kill.
 */
export function classifyByMessage(signal: FailureSignal): FailureReason {
  const reason = (signal.reason ?? '').toLowerCase();
  const message = (signal.message ?? '').toLowerCase();
  if (message.includes('oomkilled') || /\boom\b/.test(message)) return 'OOMKilled';
  if (reason.includes('timeout') || mentionsTimeout(message) || message.includes('deadline')) return 'DeadlineExceeded';
  if (message.includes('forbidden') || message.includes('rbac') || message.includes('permission denied')) {
    return 'Forbidden';
  }
  if (message.includes('quota') || message.includes('resource exhausted')) return 'ResourceExhausted';
  if (message.includes('imagepullbackoff') || message.includes('image pull') || message.includes('errimagepull')) {
    return 'ImagePullBackOff';
  }
  if (message.includes('invalid') || message.includes('configuration')) return 'ConfigurationError';
  if (reason.includes('taskfailed') || (message.includes('task') && message.includes('failed'))) return 'TaskFailed';
  return 'Unknown';
}

/**
 * Tekton could not create the TaskRun or pod: nothing ran, so it is never a TaskFailed (whose
 * message rule "task … failed" such messages always match); quota and RBAC messages still count.
 */
function classifyCreationFailure(signal: FailureSignal): FailureReason {
  const byMessage = classifyByMessage(signal);
  return byMessage === 'Unknown' || byMessage === 'TaskFailed' ? 'ConfigurationError' : byMessage;
}

function mentionsTimeout(message: string | undefined): boolean {
  const text = (message ?? '').toLowerCase();
  return text.includes('timeout') || text.includes('timed out') || text.includes('failed to finish within');
}
