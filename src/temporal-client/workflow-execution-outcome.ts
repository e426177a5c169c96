/**
 * The result of a WorkflowExecution's workflow, however its run ended in Temporal: a WFE that completed
 * returns it; one that failed fails its workflow with the result in the failure's details
 * (src/workflows/run-outcome.ts), which is given back here the same way. Anything else — the workflow
 * cancelled (the WFE deleted), terminated, timed out, or failed by something other than its WFE — is thrown
 * as the client reported it.
 */
import { ApplicationFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { WorkflowExecutionResult } from '../workflows/workflow-execution-contract';

export async function workflowExecutionOutcome(handle: WorkflowHandle): Promise<WorkflowExecutionResult> {
  try {
    return (await handle.result()) as WorkflowExecutionResult;
  } catch (err) {
    const result = failedExecutionResult(err);
    if (result) return result;
    throw err;
  }
}

/** The result a run that failed because its WFE failed carries; undefined for any other error. */
export function failedExecutionResult(err: unknown): WorkflowExecutionResult | undefined {
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const [result] = err.cause.details ?? [];
  return isFailedResult(result) && result.reason === err.cause.type ? result : undefined;
}

function isFailedResult(value: unknown): value is WorkflowExecutionResult {
  return typeof value === 'object' && value !== null && (value as { phase?: unknown }).phase === 'Failed';
}
