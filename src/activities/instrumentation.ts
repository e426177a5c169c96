/**
 * Prometheus metrics from activity results: workflows cannot touch process state (they must stay
 * deterministic), so the worker counts what its activities report. A retried activity may count twice;
 * these are operational rates, not the audit trail (that is the Data Storage).
 *
 * Every run's end passes through one activity, where its outcome is counted: `finishExecution` (today's
 * path: every outcome, including a spec rejected by validation and a cancellation) or `completeActions`
 * (runs of the first release). Each is registered on its own, so an end is counted once. A local activity
 * that ran to its end can still run again — its workflow task timed out under load before its result was
 * recorded — so a worker counts each WFE's end once (by uid, among the last COUNTED_ENDS_KEPT ends); only a
 * re-run on another worker can count one twice.
 */
import { actionRecordOutcomes } from '../domain/action-outcomes';
import { elapsedMs } from '../domain/time';
import type { WorkflowExecutionStatus } from '../domain/workflow-execution';
import type { WorkerMetrics } from '../observability/worker-metrics';
import type { Activities } from './index';

/** How many WFE uids a worker remembers having counted the end of. */
export const COUNTED_ENDS_KEPT = 10_000;

export function instrumentActivities(activities: Activities, metrics: WorkerMetrics): Activities {
  const counted = new Set<string>();
  /** True the first time this worker sees the end of the WFE `uid`. */
  const firstEnd = (uid: string): boolean => {
    if (counted.has(uid)) return false;
    counted.add(uid);
    if (counted.size > COUNTED_ENDS_KEPT) counted.delete(counted.values().next().value!);
    return true;
  };
  return {
    ...activities,
    async recordActions(ctx) {
      const inserted = await activities.recordActions(ctx);
      metrics.actionRecordsWritten.inc({ status: 'executing' }, inserted);
      return inserted;
    },
    async beginExecution(input) {
      const begun = await activities.beginExecution(input);
      // Deleted before anything was done for it: the run ends here, without finishExecution. (A begin after a
      // wait for the target that finds it gone is counted by the finishExecution that follows.)
      if (begun.kind === 'gone' && !input.targetLock?.acquiredAt && firstEnd(input.ref.uid)) {
        metrics.executions.inc({ outcome: 'Cancelled' });
      }
      if (begun.kind === 'started') {
        metrics.actionRecordsWritten.inc({ status: 'executing' }, begun.workflowExecution.spec.steps.length);
      }
      return begun;
    },
    async finishExecution(input) {
      await activities.finishExecution(input);
      if (firstEnd(input.ref.uid)) countEnd(metrics, input.status, input.recordContext !== undefined);
    },
    async completeActions(input) {
      const moved = await activities.completeActions(input);
      countEnd(metrics, input.status, true);
      return moved;
    },
    async awaitPipelineRunChange(input) {
      const change = await activities.awaitPipelineRunChange(input);
      metrics.pipelineRunChanges.inc();
      return change;
    },
    async persistEffectivenessAssessment(assessment) {
      const result = await activities.persistEffectivenessAssessment(assessment);
      // A remediation that executed nothing has no score: it is not an observation of one.
      if (result.created && assessment.score !== null) {
        metrics.assessmentScores.observe({ status: assessment.status }, assessment.score);
      }
      return result;
    },
  };
}

/** One run's end: its outcome (Completed, or the failure reason), its duration, and its action records' outcomes. */
function countEnd(metrics: WorkerMetrics, status: WorkflowExecutionStatus, recorded: boolean): void {
  const outcome = status.phase === 'Completed' ? 'Completed' : (status.failureDetails?.reason ?? 'Unknown');
  metrics.executions.inc({ outcome });
  const ms = elapsedMs(status.startTime, status.completionTime);
  if (ms !== undefined && ms >= 0) metrics.executionDuration.observe({ outcome }, ms / 1000);
  if (recorded) for (const o of actionRecordOutcomes(status)) metrics.actionRecordsWritten.inc({ status: o.outcome });
}
