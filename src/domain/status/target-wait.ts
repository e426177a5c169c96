/**
 * The WFE status around its turn on the target (issue #12): Pending with where it stands while it waits
 * (`status.targetLock`, the `TargetAcquired=False` condition, the Ready message), and once it has the
 * target — or gave up waiting — how long it waited. The execution's own startTime/duration come from the
 * PipelineRun, so waiting never inflates them.
 */
import type { WaitingView } from '../target-lock';
import { formatGoDuration } from '../duration';
import { elapsedMs, toTimestamp, type Instant } from '../time';
import type { Condition, TargetLockStatus, WorkflowExecutionStatus } from '../workflow-execution';
import { READY_CONDITION, setCondition } from './conditions';

export const TARGET_ACQUIRED_CONDITION = 'TargetAcquired';

/** Plain words for where a waiter stands, e.g. "position 2 of 3, behind demo/wfe-a". */
export function describeTargetWait(target: string, view: WaitingView): string {
  const place = `position ${view.position} of ${view.queueLength} for ${target}`;
  if (view.reason === 'CooldownActive') {
    return `Waiting for the target: ${place}; it rests until ${view.cooldownEndsAt} after ${view.cooldownAfter}`;
  }
  return `Waiting for the target: ${place}${view.holder ? `, held by ${view.holder}` : ''}`;
}

/** Pending, waiting for the target: `status.targetLock` says why and where. */
export function waitingForTargetStatus(input: {
  previous: WorkflowExecutionStatus;
  target: string;
  view: WaitingView;
  requestedAt: Instant;
  now: Instant;
}): WorkflowExecutionStatus {
  const { previous, view } = input;
  const now = toTimestamp(input.now)!;
  const message = describeTargetWait(input.target, view);
  const targetLock: TargetLockStatus = {
    reason: view.reason,
    position: view.position,
    queueLength: view.queueLength,
    ...(view.holder !== undefined && { holder: view.holder }),
    ...(view.cooldownEndsAt !== undefined && { cooldownEndsAt: toTimestamp(view.cooldownEndsAt) }),
    ...(view.cooldownAfter !== undefined && { cooldownAfter: view.cooldownAfter }),
    requestedAt: toTimestamp(input.requestedAt),
  };
  return withConditions({ ...previous, phase: 'Pending', targetLock }, now, [
    { type: TARGET_ACQUIRED_CONDITION, status: 'False', reason: view.reason, message },
    { type: READY_CONDITION, status: 'Unknown', reason: 'Pending', message },
  ]);
}

/** The target is this WFE's: when it asked, when it got it, how long it waited. */
export function targetAcquiredStatus(input: {
  previous: WorkflowExecutionStatus;
  requestedAt: Instant;
  acquiredAt: Instant;
}): WorkflowExecutionStatus {
  const requestedAt = toTimestamp(input.requestedAt)!;
  const acquiredAt = toTimestamp(input.acquiredAt)!;
  const waited = waitedText(requestedAt, acquiredAt);
  return withConditions({ ...input.previous, targetLock: { requestedAt, acquiredAt, waited } }, acquiredAt, [
    {
      type: TARGET_ACQUIRED_CONDITION,
      status: 'True',
      reason: 'Acquired',
      message: waited === '0s' ? 'The target was free' : `The target was acquired after waiting ${waited}`,
    },
  ]);
}

/** The wait ended without the target (deadline, deletion): keep where it stood, add how long it waited. */
export function targetWaitEnded(status: WorkflowExecutionStatus, now: Instant): WorkflowExecutionStatus {
  const lock = status.targetLock;
  if (!lock?.requestedAt || lock.acquiredAt) return status;
  return { ...status, targetLock: { ...lock, waited: waitedText(lock.requestedAt, toTimestamp(now)!) } };
}

function waitedText(from: string, to: string): string {
  return formatGoDuration(Math.max(0, Math.round((elapsedMs(from, to) ?? 0) / 1000) * 1000));
}

function withConditions(
  status: WorkflowExecutionStatus,
  now: string,
  next: Omit<Condition, 'lastTransitionTime'>[],
): WorkflowExecutionStatus {
  const generation = status.observedGeneration !== undefined ? { observedGeneration: status.observedGeneration } : {};
  const conditions = next.reduce<Condition[]>(
    (acc, c) => setCondition(acc, { ...c, ...generation }, now),
    status.conditions ?? [],
  );
  return { ...status, conditions };
}
