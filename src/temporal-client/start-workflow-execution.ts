/**
 * Starts the workflow of a WorkflowExecution resource, idempotently: the id is derived from the WFE uid and
 * `USE_EXISTING` makes a second start (watcher restart, several watcher replicas, replayed watch events)
 * attach to the running workflow; `REJECT_DUPLICATE` makes a start after the workflow finished fail, so a
 * finished WFE is never re-run. Used by the watcher, the benchmarks and tests.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { TASK_QUEUE, WORKFLOW_TYPES, workflowExecutionWorkflowId } from '../domain/names';
import { remediationOf } from '../domain/remediation';
import { actionTypesOf, readUnvalidatedWorkflowExecution } from '../domain/unvalidated-workflow-execution';
import type { KubernetesObject } from '../kubernetes/resources';
import type { WorkflowExecutionInput, WorkflowExecutionOptions } from '../workflows/workflow-execution';
import { workflowExecutionSearchAttributes } from '../workflows/search-attributes';

export interface StartWorkflowExecutionResult {
  workflowId: string;
  /** The run started or attached to; undefined when the workflow had already finished. */
  runId?: string;
  /** `running`: started now, or already running (the server does not tell which to this SDK). */
  outcome: 'running' | 'already-finished';
}

/** Annotations the workflow never reads that can be as large as the object (kubectl's client-side apply). */
const UNREAD_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

/**
 * What of a WFE goes into its workflow's input (and so into its history, and into the memory of every
 * worker that caches the workflow): identity, generation, revision, labels, annotations and spec — not
 * `managedFields`, owner references, finalizers or `last-applied-configuration`, which the workflow never
 * reads and which can be larger than the spec.
 */
export function workflowInputOf(wfe: KubernetesObject): WorkflowExecutionInput['workflowExecution'] {
  const m = wfe.metadata;
  const annotations = Object.fromEntries(
    Object.entries(m.annotations ?? {}).filter(([key]) => !UNREAD_ANNOTATIONS.includes(key)),
  );
  return {
    apiVersion: wfe.apiVersion,
    kind: wfe.kind,
    metadata: {
      name: m.name,
      namespace: m.namespace!,
      uid: m.uid!,
      ...(m.generation !== undefined && { generation: m.generation }),
      ...(m.creationTimestamp !== undefined && { creationTimestamp: m.creationTimestamp }),
      // As first seen: for a WFE started on its creation, the revision that created it, which orders WFEs
      // created within the same second on the target's queue (creationTimestamp has whole seconds).
      ...(m.resourceVersion !== undefined && { resourceVersion: m.resourceVersion }),
      ...(m.labels && { labels: m.labels }),
      ...(Object.keys(annotations).length > 0 && { annotations }),
    },
    spec: wfe.spec,
  };
}

export async function startWorkflowExecution(
  client: Client,
  wfe: KubernetesObject,
  opts: { taskQueue?: string; options?: WorkflowExecutionOptions } = {},
): Promise<StartWorkflowExecutionResult> {
  const { namespace, name, uid } = wfe.metadata;
  if (!namespace || !uid)
    throw new Error(`WorkflowExecution ${name} has no namespace or uid: read it from the API server`);
  const workflowId = workflowExecutionWorkflowId({ namespace, name, uid });
  // Not validated yet (the workflow does that first): the attributes carry what the spec names.
  const unvalidated = readUnvalidatedWorkflowExecution(wfe);
  const ref = unvalidated.remediationRequestRef;
  const target = unvalidated.targetResource;
  const input: WorkflowExecutionInput = { workflowExecution: workflowInputOf(wfe), options: opts.options };
  try {
    const handle = await client.workflow.start(WORKFLOW_TYPES.workflowExecution, {
      workflowId,
      taskQueue: opts.taskQueue ?? TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: workflowExecutionSearchAttributes({
        namespace,
        name,
        remediation: ref ? remediationOf(ref, namespace).id : undefined,
        target,
        actionTypes: actionTypesOf(unvalidated),
        phase: 'Pending',
      }),
      staticSummary: `WorkflowExecution ${namespace}/${name}${target ? ` → ${target}` : ''}`,
      staticDetails: `Executes the remediation steps of WorkflowExecution ${namespace}/${name} (uid ${uid}) as a Tekton PipelineRun.`,
    });
    return { workflowId, runId: handle.firstExecutionRunId, outcome: 'running' };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, outcome: 'already-finished' };
    throw err;
  }
}
