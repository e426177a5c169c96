/**
 * What ties a run's action records to it: the WorkflowExecution, its Temporal workflow and run, and the
 * run's start time — the partition key of its records, fixed for every retry. Built the same way by the
 * workflow (which keeps it) and by the activity that first records the actions. Workflow-safe.
 */
import type { WorkflowExecution } from './workflow-execution';

export interface ActionRecordContext {
  workflowExecution: WorkflowExecution;
  temporalWorkflowId: string;
  temporalRunId: string;
  /** Fixed by the workflow (its start time): the partition key that makes the records' key unique. */
  executionStartedAt: string;
}

export function actionRecordContextOf(
  workflowExecution: WorkflowExecution,
  temporal: { workflowId: string; runId?: string },
  executionStartedAt: string,
): ActionRecordContext {
  return {
    workflowExecution,
    temporalWorkflowId: temporal.workflowId,
    temporalRunId: temporal.runId ?? '',
    executionStartedAt,
  };
}
