/**
 * Prometheus metrics from activity results: workflows cannot touch process state (they must stay
 * deterministic), so the worker counts what its activities report. A retried activity may count twice;
 * these are operational rates, not the audit trail (that is the Data Storage).
 */
import { actionRecordOutcomes } from '../domain/action-outcomes';
import { elapsedMs } from '../domain/time';
import type { WorkerMetrics } from '../observability/worker-metrics';
import type { Activities } from './index';

export function instrumentActivities(activities: Activities, metrics: WorkerMetrics): Activities {
  return {
    ...activities,
    async recordActions(ctx) {
      const inserted = await activities.recordActions(ctx);
      metrics.actionRecordsWritten.inc({ status: 'executing' }, inserted);
      return inserted;
    },
    async completeActions(input) {
      const moved = await activities.completeActions(input);
      const { status } = input;
      const outcome = status.phase === 'Completed' ? 'Completed' : (status.failureDetails?.reason ?? 'Unknown');
      metrics.executions.inc({ outcome });
      const ms = elapsedMs(status.startTime, status.completionTime);
      if (ms !== undefined && ms >= 0) metrics.executionDuration.observe({ outcome }, ms / 1000);
      for (const o of actionRecordOutcomes(status)) metrics.actionRecordsWritten.inc({ status: o.outcome });
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
