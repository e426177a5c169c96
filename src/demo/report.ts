/** How the demo prints the outcome: the WFE status, Tekton's objects, the action records and the assessment. */
import * as k8s from '@kubernetes/client-node';
import type { ActionRecord, StoredAssessment } from '../datastorage/records';
import { TASK_RUNS, type KubernetesObject } from '../kubernetes/resources';
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
  if (a.score === null) {
    say('  score:        none: the remediation executed no action');
    return;
  }
  say(`  score:        ${a.score.toFixed(2)}   confidence: ${a.confidence.toFixed(2)}   trend: ${a.trend}`);
  say(`  sample size:  ${a.sampleSize} finished actions in the last 90 days`);
}

/**
 * What `kubectl get taskruns,pods` shows for the PipelineRun: Tekton's TaskRuns with their reason, and the
 * pods Tekton created for them on KWOK's fake node with their phase.
 */
export async function printTektonObjects(
  say: Say,
  kc: k8s.KubeConfig,
  namespace: string,
  pipelineRun: string | undefined,
): Promise<void> {
  if (!pipelineRun) return say('  (no PipelineRun)');
  const labelSelector = `tekton.dev/pipelineRun=${pipelineRun}`;
  const customObjects = kc.makeApiClient(k8s.CustomObjectsApi);
  const taskRuns = (
    (await customObjects.listNamespacedCustomObject({ ...TASK_RUNS, namespace, labelSelector })) as {
      items: KubernetesObject[];
    }
  ).items;
  say(`  ${'TASKRUN'.padEnd(50)} ${'SUCCEEDED'.padEnd(10)} REASON`);
  for (const tr of taskRuns) {
    const c = ((tr.status?.conditions ?? []) as { type: string; status: string; reason?: string }[]).find(
      (x) => x.type === 'Succeeded',
    );
    say(`  ${tr.metadata.name.padEnd(50)} ${(c?.status ?? '-').padEnd(10)} ${c?.reason ?? ''}`);
  }
  const pods = await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace, labelSelector });
  say(`  ${'POD'.padEnd(50)} ${'STATUS'.padEnd(10)} NODE`);
  for (const pod of pods.items) {
    say(
      `  ${(pod.metadata?.name ?? '').padEnd(50)} ${(pod.status?.phase ?? '-').padEnd(10)} ${pod.spec?.nodeName ?? ''}`,
    );
  }
}
