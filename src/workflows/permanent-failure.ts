/**
 * Workflow side of an activity's failure: whether retrying can fix it. Shared by every version of the
 * WorkflowExecution workflow's code path.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';

/** An activity failure that retrying will not fix, with the ApplicationFailure type the activity gave it. */
export function permanentFailure(err: unknown): { type?: string; message: string } | undefined {
  if (!(err instanceof ActivityFailure)) return undefined;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure && cause.nonRetryable)
    return { type: cause.type ?? undefined, message: cause.message };
  return undefined;
}
