/**
 * How a run of the WorkflowExecution workflow ends in Temporal (issue #15): a WFE that ends `Failed` fails
 * its workflow too, so the Web UI's list shows it red and `ExecutionStatus = "Failed"` finds it. The failure
 * is a non-retryable ApplicationFailure whose type is the WFE's failure reason and whose message is its
 * plain-language summary; its details carry the run's result (phase, reason, message, final status), which
 * `workflowExecutionOutcome` (src/temporal-client) gives back to callers as if the run had returned it.
 *
 * It is thrown only after everything the run owes is done (status, action records, the monitor signal, the
 * target and the finalizer), and the workflow id's REJECT_DUPLICATE policy keeps a failed run from ever
 * being started again. A WFE deleted before its run began is not a failure of that run: it completes.
 */
import { ApplicationFailure, patched } from '@temporalio/workflow';
import type { WorkflowExecutionResult } from './workflow-execution-contract';

/** The patch id of runs that fail their workflow when their WFE fails. Never reuse it for another change. */
export const FAILED_RUN_PATCH = 'failed-wfe-fails-workflow-2026-11';

/**
 * The run's end: its result when the WFE completed; when it failed, the workflow's failure. Runs that
 * completed before this release replay as they were: a run begun on an earlier release asks for
 * FAILED_RUN_PATCH here, as it did then; one begun on the current release took it with its release's patch.
 */
export function endRun(result: WorkflowExecutionResult, beganOnCurrentRelease: boolean): WorkflowExecutionResult {
  if (result.phase !== 'Failed') return result;
  if (!beganOnCurrentRelease && !patched(FAILED_RUN_PATCH)) return result;
  throw ApplicationFailure.create({
    type: result.reason ?? 'Unknown',
    message: result.status?.failureDetails?.naturalLanguageSummary ?? result.message ?? 'the WorkflowExecution failed',
    nonRetryable: true,
    details: [result],
  });
}
