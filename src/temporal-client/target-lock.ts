/**
 * Client side of the per-target lock (issue #12). Asking for a target:
 * - a quiet target has no lock workflow running (an idle lock ends), so the request starts one that is
 *   already held by the requester: granted by the start alone. The start is delayed (Temporal's start
 *   delay) until the holder's deadline: the lock runs no workflow task while nobody else asks — it is
 *   *dormant*; its state is its input;
 * - otherwise (the start finds one running) update-with-start: the running lock answers, granted or queued.
 *   Two WFEs reaching a quiet target together: one start wins, the other is queued by the update. An
 *   update-with-start wakes a dormant lock (Temporal dispatches its first workflow task at once).
 * Letting go is a signal-with-start, which wakes a dormant lock too (a plain signal would wait for the end of
 * the delay); it never starts a lock where one has run (REJECT_DUPLICATE: that lock ended, nothing to let go of).
 * On a quiet target the lock's work is thus one workflow task at the release, not one more at the request.
 */
import { WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WORKFLOW_TYPES } from '../domain/names';
import { heldBy, targetLockWorkflowId, type LockAnswer, type LockRequest, type Release } from '../domain/target-lock';
import { acquireTargetUpdate, releaseTargetSignal, type TargetLockInput } from '../workflows/target-lock-contract';

/** The shortest start delay of a dormant lock: a holder past its deadline still wakes it a moment later. */
const MIN_DORMANCY_MS = 1_000;

function lockOptions(target: string, taskQueue: string) {
  return {
    workflowId: targetLockWorkflowId(target),
    taskQueue,
    staticSummary: `Lock of target ${target}: one remediation at a time`,
  };
}

export async function requestTargetLock(
  client: Client,
  target: string,
  request: LockRequest,
  opts: {
    taskQueue: string;
    /**
     * Epoch ms until which a lock started for this request stays dormant unless someone else asks or the
     * holder lets go: the requester's deadline (after it the holder has let go, or died; the lock then
     * wakes and goes on as any held lock). Absent: the lock starts at once.
     */
    dormantUntil?: number;
  },
): Promise<LockAnswer> {
  const options = lockOptions(target, opts.taskQueue);
  const grantedAt = Date.now();
  const held: TargetLockInput = { target, state: heldBy(target, request, grantedAt) };
  try {
    await client.workflow.start(WORKFLOW_TYPES.targetLock, {
      ...options,
      args: [held],
      workflowIdConflictPolicy: 'FAIL',
      ...(opts.dormantUntil !== undefined && {
        startDelay: Math.max(MIN_DORMANCY_MS, opts.dormantUntil - grantedAt),
        staticDetails: `Started dormant, held by **${request.workflowExecution}** (\`${request.requester}\`) since ${new Date(
          grantedAt,
        ).toISOString()}: it runs when another WorkflowExecution asks for the target, when the holder lets go, or at the holder's deadline.`,
      }),
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

/**
 * Signals the lock with signal-with-start (a dormant lock wakes); `no-lock` when the target's lock has ended
 * (nothing to let go of). Where no lock ever ran under this id the call starts an empty one, which finds no
 * such requester and ends at once.
 */
export async function releaseTargetLock(
  client: Client,
  target: string,
  release: Release,
  opts: { taskQueue: string },
): Promise<'sent' | 'no-lock'> {
  const empty: TargetLockInput = { target };
  try {
    await client.workflow.signalWithStart(WORKFLOW_TYPES.targetLock, {
      ...lockOptions(target, opts.taskQueue),
      args: [empty],
      signal: releaseTargetSignal,
      signalArgs: [release],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
    return 'sent';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'no-lock';
    throw err;
  }
}
