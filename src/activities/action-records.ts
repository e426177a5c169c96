/**
 * Action records of a WorkflowExecution in the Data Storage: one row per step, written `executing` when the
 * PipelineRun is created and moved forward to its outcome when the WFE is terminal. Both writes are
 * idempotent (keyed by WFE uid and step), so retries and replays never duplicate or regress a record.
 */
import { actionRecordOutcomes } from '../domain/action-outcomes';
import type { ActionRecordContext } from '../domain/action-record-context';
import { remediationOf } from '../domain/remediation';
import { readUnvalidatedWorkflowExecution } from '../domain/unvalidated-workflow-execution';
import type { WorkflowExecutionStatus } from '../domain/workflow-execution';
import type { ExecutingActionRecord, FinishedActionRecord } from '../datastorage/records';
import type { DataStorage } from '../datastorage/repository';
import { dataStorageFailure } from './failures';

export type { ActionRecordContext };

export function actionRecordRows(ctx: ActionRecordContext): ExecutingActionRecord[] {
  const wfe = ctx.workflowExecution;
  const remediation = remediationOf(wfe.spec.remediationRequestRef, wfe.metadata.namespace);
  const { requestedBy } = readUnvalidatedWorkflowExecution(wfe);
  return wfe.spec.steps.map((step) => ({
    wfeUid: wfe.metadata.uid!,
    wfeNamespace: wfe.metadata.namespace,
    wfeName: wfe.metadata.name,
    remediationId: remediation.id,
    remediationNamespace: remediation.namespace,
    remediationName: remediation.name,
    temporalWorkflowId: ctx.temporalWorkflowId,
    temporalRunId: ctx.temporalRunId,
    stepName: step.name,
    actionType: step.actionType,
    image: step.image,
    inputs: step.inputs,
    target: wfe.spec.targetResource,
    executionStartedAt: ctx.executionStartedAt,
    requestedBy: requestedBy ?? null,
  }));
}

export function actionOutcomeRows(ctx: ActionRecordContext, status: WorkflowExecutionStatus): FinishedActionRecord[] {
  const rows = new Map(actionRecordRows(ctx).map((r) => [r.stepName, r]));
  const finishedAt = status.completionTime ?? ctx.executionStartedAt;
  return actionRecordOutcomes(status).flatMap((o) => {
    const row = rows.get(o.stepName);
    if (!row) return [];
    return [
      {
        ...row,
        status: o.outcome,
        startedAt: o.startTime ?? null,
        completedAt: o.completionTime ?? finishedAt,
        durationMs: o.durationMs ?? null,
        failureReason: o.failureReason ?? null,
        failureMessage: o.failureMessage ?? null,
        exitCode: o.exitCode ?? null,
      },
    ];
  });
}

export function createActionRecordActivities({ dataStorage }: { dataStorage: DataStorage }) {
  return {
    async recordActions(ctx: ActionRecordContext): Promise<number> {
      try {
        return (await dataStorage.recordActions(actionRecordRows(ctx))).inserted;
      } catch (err) {
        throw dataStorageFailure(err);
      }
    },

    async completeActions(input: { context: ActionRecordContext; status: WorkflowExecutionStatus }): Promise<number> {
      try {
        const result = await dataStorage.completeActions(actionOutcomeRows(input.context, input.status));
        return result.completed + result.insertedFinished;
      } catch (err) {
        throw dataStorageFailure(err);
      }
    },
  };
}

export type ActionRecordActivities = ReturnType<typeof createActionRecordActivities>;
