/**
 * The failures activities raise when retrying will not help (the `type` of a non-retryable
 * ApplicationFailure), and the WorkflowExecution failure reason each one means. The activities name the
 * problem, the workflow only translates the name: the vocabulary lives here so both sides (and the
 * workflow bundle, which must not import activity modules) read the same table.
 */
import type { FailureReason } from './workflow-execution';

export const FAILURE_TYPES = {
  pipelineRunOwnershipConflict: 'PipelineRunOwnershipConflict',
  kubernetesForbidden: 'KubernetesForbidden',
  kubernetesRejected: 'KubernetesRejected',
  dataStorageRejected: 'DataStorageRejected',
} as const;

/**
 * The WFE failure reason of an activity failure type. Forbidden is for an operator to fix (RBAC); a
 * PipelineRun of the same name owned by someone else, or an object the API server rejects, comes from the
 * WFE's own content (ConfigurationError); anything else is Unknown.
 */
const REASON_OF_FAILURE_TYPE = new Map<string | undefined, FailureReason>([
  [FAILURE_TYPES.kubernetesForbidden, 'Forbidden'],
  [FAILURE_TYPES.pipelineRunOwnershipConflict, 'ConfigurationError'],
  [FAILURE_TYPES.kubernetesRejected, 'ConfigurationError'],
]);

export function failureReasonOf(type: string | undefined): FailureReason {
  return REASON_OF_FAILURE_TYPE.get(type) ?? 'Unknown';
}
