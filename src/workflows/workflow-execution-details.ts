/** What the Temporal Web UI shows as a WorkflowExecution run's current details (markdown). */
import type { WorkflowExecutionStatus } from '../domain/workflow-execution';

export function describeStatus(ref: { namespace: string; name: string }, status: WorkflowExecutionStatus): string {
  const lines = [
    `**WorkflowExecution ${ref.namespace}/${ref.name}**: ${status.phase}${status.progress ? ` (${status.progress} steps)` : ''}`,
  ];
  const lock = status.targetLock;
  if (lock?.reason === 'TargetBusy') {
    lines.push(
      `Waiting for the target (TargetBusy): position ${lock.position} of ${lock.queueLength}${lock.holder ? `, held by \`${lock.holder}\`` : ''}`,
    );
  } else if (lock?.reason === 'CooldownActive') {
    lines.push(
      `Waiting for the target (CooldownActive): position ${lock.position} of ${lock.queueLength}, resting until ${lock.cooldownEndsAt} after \`${lock.cooldownAfter}\``,
    );
  } else if (lock?.waited) {
    lines.push(`Waited ${lock.waited} for the target`);
  }
  if (status.pipelineRunRef)
    lines.push(`PipelineRun \`${status.pipelineRunRef.namespace}/${status.pipelineRunRef.name}\``);
  for (const step of status.steps ?? []) {
    lines.push(
      `- ${step.name} (${step.actionType}): ${step.phase}${step.exitCode !== undefined ? `, exit ${step.exitCode}` : ''}`,
    );
  }
  if (status.failureDetails) {
    lines.push(`Failure: **${status.failureDetails.reason}** ${status.failureDetails.message}`);
  }
  return lines.join('\n');
}
