/**
 * One spelling for every name that crosses a process or a system boundary (DESIGN.md §3 "Names").
 * Change them only deliberately, and everywhere at once: Temporal ids, search attributes and labels
 * are read by operators, dashboards and the watcher.
 */

export const API_GROUP = 'kubernaut.ai';
export const API_VERSION = 'v1alpha1';
export const KUBERNAUT_API_VERSION = `${API_GROUP}/${API_VERSION}` as const;

export const WORKFLOW_EXECUTION = {
  kind: 'WorkflowExecution',
  plural: 'workflowexecutions',
  shortName: 'wfe',
} as const;

export const REMEDIATION_REQUEST = {
  kind: 'RemediationRequest',
  plural: 'remediationrequests',
  shortName: 'rr',
} as const;

export const TEKTON_GROUP = 'tekton.dev';
export const TEKTON_VERSION = 'v1';
export const TEKTON_API_VERSION = `${TEKTON_GROUP}/${TEKTON_VERSION}` as const;
export const PIPELINE_RUN = { kind: 'PipelineRun', plural: 'pipelineruns' } as const;
export const TASK_RUN = { kind: 'TaskRun', plural: 'taskruns' } as const;
/** The one generic Tekton Task every step runs (ADR-024). */
export const KUBERNAUT_ACTION_TASK = 'kubernaut-action';

export const TASK_QUEUE = 'kubernaut-workflow-execution';

export const WORKFLOW_TYPES = {
  workflowExecution: 'workflowExecutionWorkflow',
  effectivenessMonitor: 'effectivenessMonitorWorkflow',
  effectivenessAssessment: 'effectivenessAssessmentWorkflow',
  targetLock: 'targetLockWorkflow',
} as const;

export const REMEDIATION_TERMINAL_SIGNAL = 'remediationTerminal';

/** `wfe/<namespace>/<name>/<uid>`: the uid makes a re-created WFE of the same name a new execution. */
export function workflowExecutionWorkflowId(wfe: { namespace: string; name: string; uid: string }): string {
  return `wfe/${wfe.namespace}/${wfe.name}/${wfe.uid}`;
}

export function effectivenessMonitorWorkflowId(shard: number): string {
  return `effectiveness-monitor/${shard}`;
}

export function effectivenessAssessmentWorkflowId(remediation: { namespace: string; name: string }): string {
  return `effectiveness/${remediation.namespace}/${remediation.name}`;
}

/** Custom search attributes registered on the Temporal namespace (the dev server allows 10 Keyword ones). */
export const SEARCH_ATTRIBUTES = {
  workflowExecution: { name: 'KubernautWorkflowExecution', type: 'Keyword' },
  namespace: { name: 'KubernautNamespace', type: 'Keyword' },
  remediation: { name: 'KubernautRemediation', type: 'Keyword' },
  target: { name: 'KubernautTarget', type: 'Keyword' },
  actionTypes: { name: 'KubernautActionTypes', type: 'KeywordList' },
  phase: { name: 'KubernautPhase', type: 'Keyword' },
} as const;

export const LABELS = {
  workflowExecution: 'kubernaut.ai/workflow-execution',
  remediation: 'kubernaut.ai/remediation',
  targetResource: 'kubernaut.ai/target-resource',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

export const MANAGED_BY = 'kubernaut-temporal';

/**
 * The finalizer the WorkflowExecution workflow puts on its WFE and removes last: it keeps the WFE until the
 * PipelineRun is cancelled and the action records are final. The watcher releases it only when no workflow
 * is left to do so (src/watcher/decisions.ts).
 */
export const EXECUTION_FINALIZER = 'kubernaut.ai/execution';

export const ANNOTATIONS = {
  targetResource: 'kubernaut.ai/target-resource',
  temporalWorkflowId: 'kubernaut.ai/temporal-workflow-id',
  /**
   * On a WorkflowExecution: the user name of whoever created it. Optional; where the admission policy of
   * deploy/admission/ is installed the API server refuses any value but the creator's own name, and any
   * later change (SECURITY.md, "Who asked").
   */
  requestedBy: 'kubernaut.ai/requested-by',
} as const;

/**
 * The ServiceAccount WorkflowExecution steps run as (`spec.serviceAccountName`) unless the operator allows
 * others: the only one the worker's default policy accepts, the one deploy/ ships and grants "use" of.
 */
export const ACTION_RUNNER_SERVICE_ACCOUNT = 'kubernaut-action-runner';
