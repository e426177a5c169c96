/**
 * `failureDetails.naturalLanguageSummary`: one paragraph an operator (or the AI analysis upstream
 * feeds it to) can act on without opening Tekton: what failed, where, why, what to do, and whether a
 * retry is safe. Modelled on upstream kubernaut's summary (reason, error, time, fixed recommendation).
 */
import { formatGoDuration } from './duration';
import type { FailureReason, StepCounts, StepStatus } from './workflow-execution';

const RECOMMENDATIONS: Record<FailureReason, string> = {
  OOMKilled:
    'The action container ran out of memory: raise the memory limit for this action or reduce the work it does per run.',
  DeadlineExceeded:
    'The execution ran out of time: check whether the target is slow to converge, then raise spec.timeout or the step timeout if the action legitimately needs longer.',
  Forbidden:
    'The action was not allowed to do its work: grant the missing RBAC permissions to the service account the action runs as (spec.serviceAccountName), or check admission policies.',
  ResourceExhausted:
    'The cluster lacked capacity or quota to run the action (or evicted it): free capacity or raise the quota, then retry.',
  ImagePullBackOff:
    'The action image could not be pulled: check the image reference and digest, the registry availability and the image pull secrets.',
  ConfigurationError:
    'The execution is misconfigured (for example the kubernaut-action Task is missing or a parameter is invalid): fix the configuration and create a new WorkflowExecution.',
  TaskFailed: 'The action reported a failure: its container logs explain why.',
  Cancelled: 'The execution was cancelled before it finished.',
  PipelineRunDeleted:
    'The PipelineRun was deleted while the execution was running, so the outcome of the steps that were running is unknown; check the target before acting again.',
  TargetWaitTimeout:
    'Nothing ran: other remediations of the same target (or its cooldown) took the whole timeout. Check whether this remediation is still needed, then create a new WorkflowExecution, with a longer spec.timeout if the target is often busy.',
  Unknown: 'Tekton reported a failure this engine does not recognise: inspect the PipelineRun and its TaskRuns.',
};

export interface FailureSummaryInput {
  /** `<namespace>/<name>` of the WorkflowExecution, when known. */
  workflowExecution?: string;
  targetResource?: string;
  reason: FailureReason;
  message: string;
  failedStep?: StepStatus;
  exitCode?: number;
  durationMs?: number;
  counts?: StepCounts;
  wasExecutionFailure: boolean;
}

export function naturalLanguageSummary(input: FailureSummaryInput): string {
  const subject = input.workflowExecution ? `WorkflowExecution ${input.workflowExecution}` : 'The WorkflowExecution';
  const target = input.targetResource ? ` on target ${input.targetResource}` : '';
  const after =
    input.durationMs !== undefined && input.durationMs >= 0
      ? ` after ${formatGoDuration(roundToSecond(input.durationMs))}`
      : '';
  const sentences = [`${subject} failed${target}${after} with reason ${input.reason}.`];

  if (input.failedStep) {
    const step = input.failedStep;
    const exit = input.exitCode !== undefined ? `, exit code ${input.exitCode}` : '';
    const verb = step.phase === 'Cancelled' ? 'was cancelled' : 'failed';
    sentences.push(`Step "${step.name}" (${step.actionType}) ${verb}${exit}: ${trimPeriod(input.message)}.`);
  } else if (input.message) {
    sentences.push(`${capitalise(trimPeriod(input.message))}.`);
  }

  if (input.counts && input.counts.total > 0) sentences.push(describeCounts(input.counts));
  sentences.push(RECOMMENDATIONS[input.reason]);
  sentences.push(
    input.wasExecutionFailure
      ? 'Some actions may already have changed the cluster, so this execution must not be retried automatically.'
      : 'No action ran against the cluster, so retrying is safe once the cause is fixed.',
  );
  return sentences.join(' ');
}

function describeCounts(c: StepCounts): string {
  const parts = [`${c.succeeded} of ${c.total} steps succeeded`];
  if (c.failed > 0) parts.push(`${c.failed} failed`);
  if (c.cancelled > 0) parts.push(`${c.cancelled} cancelled`);
  if (c.skipped > 0) parts.push(`${c.skipped} skipped`);
  if (c.running > 0) parts.push(`${c.running} still running`);
  if (c.pending > 0) parts.push(`${c.pending} not started`);
  return `${parts.join(', ')}.`;
}

function roundToSecond(ms: number): number {
  return Math.round(ms / 1000) * 1000;
}

function trimPeriod(text: string): string {
  return text.trim().replace(/\.+$/, '');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
