/**
 * metav1.Condition bookkeeping. `lastTransitionTime` moves only when a condition's status changes
 * (the Kubernetes convention), so re-syncing an unchanged execution rewrites identical conditions and
 * status patches converge instead of flapping.
 */
import type { Condition } from '../workflow-execution';

export const READY_CONDITION = 'Ready';

export function setCondition(
  previous: readonly Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime'>,
  now: string,
): Condition[] {
  const conditions = (previous ?? []).filter((c) => c.type !== next.type);
  const prior = (previous ?? []).find((c) => c.type === next.type);
  const lastTransitionTime = prior !== undefined && prior.status === next.status ? prior.lastTransitionTime : now;
  const condition: Condition = {
    type: next.type,
    status: next.status,
    ...(next.observedGeneration !== undefined && { observedGeneration: next.observedGeneration }),
    lastTransitionTime,
    reason: next.reason,
    message: next.message,
  };
  // Keep a stable order: previous position, new conditions at the end.
  const index = (previous ?? []).findIndex((c) => c.type === next.type);
  if (index < 0) return [...conditions, condition];
  conditions.splice(index, 0, condition);
  return conditions;
}
