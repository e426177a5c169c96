/**
 * knative-style condition bookkeeping: one `Succeeded` condition whose `lastTransitionTime` moves only when
 * the condition actually changes (status, reason or message), as apis.ConditionManager.SetCondition does.
 */
import type { Condition, ConditionStatus } from './tekton-objects';
import { SUCCEEDED_CONDITION } from './tekton-vocabulary';
import { toTimestamp } from './timestamps';

export interface SucceededState {
  status: ConditionStatus;
  reason: string;
  message: string;
}

export function withSucceeded(previous: Condition[] | undefined, next: SucceededState, atMs: number): Condition[] {
  const others = (previous ?? []).filter((c) => c.type !== SUCCEEDED_CONDITION);
  const current = previous?.find((c) => c.type === SUCCEEDED_CONDITION);
  const unchanged =
    current !== undefined &&
    current.status === next.status &&
    current.reason === next.reason &&
    current.message === next.message;
  const condition: Condition = {
    type: SUCCEEDED_CONDITION,
    status: next.status,
    reason: next.reason,
    message: next.message,
    lastTransitionTime: unchanged && current.lastTransitionTime ? current.lastTransitionTime : toTimestamp(atMs),
  };
  return [...others, condition];
}
