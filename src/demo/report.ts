/** How the demo prints the outcome: the WFE status, the action records and the assessment. */
import type { ActionRecord, StoredAssessment } from '../datastorage/records';
import type { WorkflowExecutionStatus } from '../domain/workflow-execution';

type Say = (line?: string) => void;

export function printStatus(say: Say, s: WorkflowExecutionStatus): void {
  say(`  phase:        ${s.phase}`);
  say(`  steps:        ${s.progress ?? '?'} succeeded`);
  say(`  started:      ${s.startTime ?? '-'}   completed: ${s.completionTime ?? '-'}   duration: ${s.duration ?? '-'}`);
  if (s.pipelineRunRef) say(`  PipelineRun:  ${s.pipelineRunRef.namespace}/${s.pipelineRunRef.name}`);
  if (s.temporal) say(`  Temporal:     ${s.temporal.workflowId} (run ${s.temporal.runId})`);
  for (const step of s.steps ?? []) {
    say(
      `    - ${step.name.padEnd(20)} ${step.phase.padEnd(10)} ${step.taskRunName ?? ''}${step.exitCode !== undefined ? ` exit ${step.exitCode}` : ''}`,
    );
  }
  if (s.failureDetails) {
    const f = s.failureDetails;
    say(
      `  failure:      ${f.reason} in step ${f.failedStep ?? '-'}${f.exitCode !== undefined ? ` (exit code ${f.exitCode})` : ''}`,
    );
    say(`  message:      ${f.message}`);
    say(`  execution failure (may have changed the cluster): ${f.wasExecutionFailure}`);
    say(`  summary:      ${f.naturalLanguageSummary}`);
  }
}

export function printRecords(say: Say, records: ActionRecord[]): void {
  say(`  ${'step'.padEnd(20)} ${'action type'.padEnd(28)} ${'status'.padEnd(10)} ${'duration'.padEnd(9)} failure`);
  for (const r of records) {
    const duration = r.durationMs !== null && r.durationMs !== undefined ? `${r.durationMs} ms` : '-';
    const failure = r.failureReason
      ? `${r.failureReason}${r.exitCode !== null && r.exitCode !== undefined ? ` (exit ${r.exitCode})` : ''}`
      : '';
    say(
      `  ${r.stepName.padEnd(20)} ${r.actionType.padEnd(28)} ${r.status.padEnd(10)} ${duration.padEnd(9)} ${failure}`,
    );
  }
}

export function printAssessment(say: Say, a: StoredAssessment): void {
  say(`  remediation:  ${a.remediationId}`);
  say(`  status:       ${a.status}`);
  say(`  score:        ${a.score.toFixed(2)}   confidence: ${a.confidence.toFixed(2)}   trend: ${a.trend}`);
  say(`  sample size:  ${a.sampleSize} finished actions in the last 90 days`);
}
