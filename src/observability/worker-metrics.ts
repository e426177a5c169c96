/** The execution worker's own Prometheus metrics (the Temporal SDK exports its metrics separately). */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createWorkerMetrics(registry = new Registry()) {
  collectDefaultMetrics({ register: registry, prefix: 'kubernaut_worker_' });
  return {
    registry,
    executions: new Counter({
      name: 'kubernaut_workflow_executions_total',
      help: 'WorkflowExecutions finished, by outcome (Completed, or the failure reason)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    executionDuration: new Histogram({
      name: 'kubernaut_workflow_execution_duration_seconds',
      help: 'Start to terminal status of WorkflowExecutions',
      labelNames: ['outcome'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    }),
    actionRecordsWritten: new Counter({
      name: 'kubernaut_action_records_written_total',
      help: 'Action records written to the Data Storage, by status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    assessmentScores: new Histogram({
      name: 'kubernaut_effectiveness_assessment_score',
      help: 'Effectiveness scores of stored assessments, by assessment status',
      labelNames: ['status'] as const,
      buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1],
      registers: [registry],
    }),
    pipelineRunChanges: new Counter({
      name: 'kubernaut_pipelinerun_changes_observed_total',
      help: 'PipelineRun status changes returned to workflows by awaitPipelineRunChange',
      registers: [registry],
    }),
    workflowExecutionEvents: new Counter({
      name: 'kubernaut_workflow_execution_events_total',
      help: 'Kubernetes Events of WorkflowExecution transitions, by reason and outcome (created; duplicate: a retried step found it there; failed: not created, logged)',
      labelNames: ['reason', 'outcome'] as const,
      registers: [registry],
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;
