/**
 * Client side of the per-target lock (issue #12): ask for a target with update-with-start — the lock
 * workflow is started by the first request and answers in the same round trip — and let go with a signal.
 */
import { WithStartWorkflowOperation, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { WORKFLOW_TYPES } from '../domain/names';
import { targetLockWorkflowId, type LockAnswer, type LockRequest, type Release } from '../domain/target-lock';
import { acquireTargetUpdate, releaseTargetSignal, type TargetLockInput } from '../workflows/target-lock-contract';

export async function requestTargetLock(
  client: Client,
  target: string,
  request: LockRequest,
  opts: { taskQueue: string },
): Promise<LockAnswer> {
  const input: TargetLockInput = { target };
  const start = new WithStartWorkflowOperation(WORKFLOW_TYPES.targetLock, {
    workflowId: targetLockWorkflowId(target),
    taskQueue: opts.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Lock of target ${target}: one remediation at a time`,
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
