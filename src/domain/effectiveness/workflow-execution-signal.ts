/**
 * The `remediationTerminal` signal a WorkflowExecution's workflow sends when it ends: how the remediation
 * ended as the effectiveness monitor counts it, what it acted on, and with which action types.
 *
 * Pure, and bundled into workflow code: the caller passes the workflow's own clock.
 */
import { remediationOf, type RemediationKey } from '../remediation';
import type { TerminalRemediationPhase } from '../remediation-request';
import { hasTargetResourceShape } from '../target-resource';
import { actionTypesOf, readUnvalidatedWorkflowExecution } from '../unvalidated-workflow-execution';
import type { WorkflowExecutionStatus } from '../workflow-execution';
import type { RemediationTerminal } from './remediation-terminal';

export interface WorkflowExecutionIdentity {
  namespace: string;
  name: string;
  uid: string;
}

/** How the remediation ended: the deadline is a time-out, a deleted WFE a cancellation, anything else failed. */
export function terminalPhaseOf(status: WorkflowExecutionStatus): TerminalRemediationPhase {
  if (status.phase === 'Completed') return 'Completed';
  if (status.failureDetails?.reason === 'DeadlineExceeded') return 'TimedOut';
  if (status.failureDetails?.reason === 'Cancelled') return 'Cancelled';
  return 'Failed';
}

/** The signal of a WFE that passed validation, from its final status. */
export function executionTerminalSignal(input: {
  remediation: RemediationKey;
  workflowExecution: WorkflowExecutionIdentity;
  target: string;
  actionTypes: readonly string[];
  status: WorkflowExecutionStatus;
  now: Date;
}): RemediationTerminal {
  return {
    remediation: input.remediation,
    phase: terminalPhaseOf(input.status),
    workflowExecution: input.workflowExecution,
    target: input.target,
    actionTypes: [...new Set(input.actionTypes)],
    endedAt: input.status.completionTime ?? input.now.toISOString(),
  };
}

/**
 * The signal of a WFE rejected by validation, when its spec still names a remediation and a target of the
 * right shape; undefined otherwise (nothing the monitor could assess).
 */
export function rejectedExecutionTerminalSignal(
  rejected: unknown,
  workflowExecution: WorkflowExecutionIdentity,
  phase: TerminalRemediationPhase,
  now: Date,
): RemediationTerminal | undefined {
  const wfe = readUnvalidatedWorkflowExecution(rejected);
  if (!wfe.remediationRequestRef || !hasTargetResourceShape(wfe.targetResource)) return undefined;
  return {
    remediation: remediationOf(wfe.remediationRequestRef, workflowExecution.namespace),
    phase,
    workflowExecution,
    target: wfe.targetResource,
    actionTypes: [...new Set(actionTypesOf(wfe).filter((t) => t.length > 0))],
    endedAt: now.toISOString(),
  };
}
