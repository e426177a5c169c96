/**
 * What the Temporal Web UI shows as a WorkflowExecution run's current details: markdown, one paragraph per
 * fact (the UI joins lines that no blank line separates into one paragraph), the steps as a list with their
 * phases, and counts written out ("1 of 3": the UI's markdown turns "1/3" into a fraction glyph).
 */
import type { StepStatus, WorkflowExecutionStatus } from '../domain/workflow-execution';

export function describeStatus(ref: { namespace: string; name: string }, status: WorkflowExecutionStatus): string {
  const paragraphs = [`**WorkflowExecution ${ref.namespace}/${ref.name}**: ${status.phase}${progressOf(status)}`];
  const wait = describeWait(status.targetLock);
  if (wait) paragraphs.push(wait);
  if (status.pipelineRunRef) {
    paragraphs.push(`PipelineRun \`${status.pipelineRunRef.namespace}/${status.pipelineRunRef.name}\``);
  }
  if (status.steps?.length) paragraphs.push(status.steps.map(describeStep).join('\n'));
  if (status.failureDetails) {
    paragraphs.push(`Failure: **${status.failureDetails.reason}**: ${status.failureDetails.message}`);
  }
  return paragraphs.join('\n\n');
}

/** ", 1 of 3 steps succeeded" from the status's counts, when it has them. */
function progressOf(status: WorkflowExecutionStatus): string {
  const counts = status.stepCounts;
  if (counts) return `, ${counts.succeeded} of ${counts.total} steps succeeded`;
  const [succeeded, total] = status.progress?.split('/') ?? [];
  return total ? `, ${succeeded} of ${total} steps succeeded` : '';
}

function describeWait(lock: WorkflowExecutionStatus['targetLock']): string | undefined {
  if (lock?.reason === 'TargetBusy') {
    return `Waiting for the target (TargetBusy): position ${lock.position} of ${lock.queueLength}${lock.holder ? `, held by \`${lock.holder}\`` : ''}`;
  }
  if (lock?.reason === 'CooldownActive') {
    return `Waiting for the target (CooldownActive): position ${lock.position} of ${lock.queueLength}, resting until ${lock.cooldownEndsAt} after \`${lock.cooldownAfter}\``;
  }
  return lock?.waited ? `Waited ${lock.waited} for the target` : undefined;
}

function describeStep(step: StepStatus): string {
  const why = [step.reason, step.exitCode !== undefined ? `exit code ${step.exitCode}` : undefined].filter(Boolean);
  return `- **${step.name}** (\`${step.actionType}\`): ${step.phase}${why.length ? ` (${why.join(', ')})` : ''}`;
}
