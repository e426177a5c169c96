/**
 * A compact identity of what a WorkflowExecution status *says*, so the waiting activity returns only on a
 * real change (a new step phase, a TaskRun name, an exit code …) and never because a timestamp of a
 * condition moved. Equal fingerprints ⇒ no status patch is needed.
 */
import type { WorkflowExecutionStatus } from '../workflow-execution';

export function fingerprintStatus(status: WorkflowExecutionStatus): string {
  const { conditions, ...rest } = status;
  const stableConditions = (conditions ?? []).map(({ lastTransitionTime: _t, ...c }) => c);
  return JSON.stringify({ ...rest, conditions: stableConditions });
}
