/**
 * How the target-lock workflow and the WorkflowExecution workflows talk (issue #12): the lock is asked with
 * an update (answered at once: granted, or queued with a position), let go of with a signal, and tells its
 * waiters with signals — their turn came, or their place in the queue changed. Definitions only, so both
 * workflows and the client import them without importing each other.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { LockAnswer, LockRequest, Release, TargetLockState, WaitingView } from '../domain/target-lock';

export interface TargetLockInput {
  target: string;
  /** Carried over by continue-as-new. */
  state?: TargetLockState;
  /** How long a watch of a holder may go without a heartbeat before another worker takes it over. Default 60 s. */
  holderWatchHeartbeatTimeoutMs?: number;
}

/** Ask for the target: granted now, or queued (idempotent per requester). */
export const acquireTargetUpdate = defineUpdate<LockAnswer, [LockRequest]>('acquire');
/** Let go: the holder releases (a cooldown follows when it ran), a waiter leaves the queue. */
export const releaseTargetSignal = defineSignal<[Release]>('release');
/** The lock's state: holder, queue, cooldown. */
export const targetLockStateQuery = defineQuery<TargetLockState>('state');

/** To a waiter: the target is yours (epoch ms of the grant, lock workflow time). */
export const targetGrantedSignal = defineSignal<[{ target: string; grantedAt: number }]>('targetGranted');
/** To a waiter: where it stands now. */
export const targetQueueSignal = defineSignal<[WaitingView]>('targetQueue');
