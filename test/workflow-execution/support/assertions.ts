/** Reads what a finished WorkflowExecution left behind: its stored status, PipelineRuns and action records. */
import type { ActionRecord } from '../../../src/datastorage/records';
import type { WorkflowExecutionStatus } from '../../../src/domain/workflow-execution';
import type { KubernetesObject } from '../../../src/kubernetes/resources';
import type { ExecutionEnv } from '../../support/execution-env';

export interface Outcome {
  status: WorkflowExecutionStatus;
  pipelineRuns: KubernetesObject[];
  records: Record<string, Pick<ActionRecord, 'status' | 'failureReason' | 'exitCode'>>;
}

export async function outcomeOf(env: ExecutionEnv, wfe: KubernetesObject): Promise<Outcome> {
  const ns = wfe.metadata.namespace!;
  const stored = await env.getWorkflowExecution(ns, wfe.metadata.name);
  const pipelineRuns = (await env.listPipelineRuns(ns)).filter((pr) =>
    pr.metadata.ownerReferences?.some((o) => o.uid === wfe.metadata.uid),
  );
  const rows = await env.dataStorage.getWorkflowExecutionActions(wfe.metadata.uid!);
  const records = Object.fromEntries(
    rows.map((r) => [r.stepName, { status: r.status, failureReason: r.failureReason, exitCode: r.exitCode }]),
  );
  return { status: stored!.status as WorkflowExecutionStatus, pipelineRuns, records };
}
