/**
 * The per-target lock's I/O (issue #12): asking for a target and letting go of it (called from the
 * WorkflowExecution's batched steps), and the lock workflow's watch of its holder.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { LockAnswer, LockRequest, Release } from '../domain/target-lock';
import { requestTargetLock, releaseTargetLock } from '../temporal-client/target-lock';

export interface TargetLockDependencies {
  temporalClient: Client;
  /** Task queue a lock workflow runs on when a request starts it. */
  taskQueue: string;
}

/** How the holder's workflow ended, as Temporal names it (COMPLETED, TERMINATED, …, NOT_FOUND). */
export interface HolderClosed {
  status: string;
}

export function createTargetLockActivities(deps: Pick<TargetLockDependencies, 'temporalClient'>) {
  const { temporalClient: client } = deps;
  return {
    /**
     * Returns when the holder's workflow — its current run, so a reset run still counts as the holder — is
     * closed. Long-polls the run's history for its close event, heartbeating between polls; cancelled
     * (the holder released) at the next heartbeat.
     */
    async watchLockHolder(input: { requester: string }): Promise<HolderClosed> {
      const ctx = Context.current();
      for (;;) {
        ctx.heartbeat();
        let runId: string;
        try {
          const described = await client.workflow.getHandle(input.requester).describe();
          if (described.status.name !== 'RUNNING') return { status: described.status.name };
          runId = described.runId;
        } catch (err) {
          if ((err as Error).name === 'WorkflowNotFoundError') return { status: 'NOT_FOUND' };
          throw err;
        }
        await client.connection.withAbortSignal(ctx.cancellationSignal, () =>
          client.workflowService.getWorkflowExecutionHistory({
            namespace: client.options.namespace,
            execution: { workflowId: input.requester, runId },
            waitNewEvent: true,
            historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
            skipArchival: true,
          }),
        );
      }
    },
  };
}

export type TargetLockActivities = ReturnType<typeof createTargetLockActivities>;

/** The lock calls of the WorkflowExecution's steps (not activities of their own: part of its batched steps). */
export function createTargetLockCalls(deps: TargetLockDependencies) {
  return {
    /** `dormantUntil`: the requester's deadline (epoch ms), how long a lock it starts may stay dormant. */
    request: (target: string, request: LockRequest, dormantUntil?: number): Promise<LockAnswer> =>
      requestTargetLock(deps.temporalClient, target, request, { taskQueue: deps.taskQueue, dormantUntil }),
    release: (target: string, release: Release): Promise<'sent' | 'no-lock'> =>
      releaseTargetLock(deps.temporalClient, target, release, { taskQueue: deps.taskQueue }),
  };
}

export type TargetLockCalls = ReturnType<typeof createTargetLockCalls>;
