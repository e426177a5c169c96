/**
 * Client side of the per-target lock (issue #12). Asking for a target:
 * - a quiet target has no lock workflow running (an idle lock ends), so the request starts one that is
 *   already held by the requester: granted by the start alone, no workflow task in between;
 * - otherwise (the start finds one running) update-with-start: the running lock answers, granted or queued.
 *   Two WFEs reaching a quiet target together: one start wins, the other is queued by the update.
 * Letting go is a signal.
 */
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  type Client,
} from '@temporalio/client';
import { WORKFLOW_TYPES } from '../domain/names';
import { heldBy, targetLockWorkflowId, type LockAnswer, type LockRequest, type Release } from '../domain/target-lock';
import { acquireTargetUpdate, releaseTargetSignal, type TargetLockInput } from '../workflows/target-lock-contract';

export async function requestTargetLock(
  client: Client,
  target: string,
  request: LockRequest,
  opts: { taskQueue: string },
): Promise<LockAnswer> {
  const options = {
    workflowId: targetLockWorkflowId(target),
    taskQueue: opts.taskQueue,
    staticSummary: `Lock of target ${target}: one remediation at a time`,
  };
  const grantedAt = Date.now();
  const held: TargetLockInput = { target, state: heldBy(target, request, grantedAt) };
  try {
    await client.workflow.start(WORKFLOW_TYPES.targetLock, {
      ...options,
      args: [held],
      workflowIdConflictPolicy: 'FAIL',
    });
    return { granted: true, grantedAt };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  const input: TargetLockInput = { target };
  const start = new WithStartWorkflowOperation(WORKFLOW_TYPES.targetLock, {
    ...options,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  return client.workflow.executeUpdateWithStart(acquireTargetUpdate, {
    args: [request],
    startWorkflowOperation: start,
  });
}

/** Signals the lock; `no-lock` when no lock workflow runs for the target (nothing to let go of). */
export async function releaseTargetLock(client: Client, target: string, release: Release): Promise<'sent' | 'no-lock'> {
  try {
    await client.workflow.getHandle(targetLockWorkflowId(target)).signal(releaseTargetSignal, release);
    return 'sent';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'no-lock';
    throw err;
  }
}
