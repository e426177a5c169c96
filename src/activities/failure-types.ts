/**
 * Types (ApplicationFailure.type) of the non-retryable failures activities raise, so the workflow can map
 * them to a WorkflowExecution failure reason. Its own module: workflow code imports it, and must not
 * import the activity modules themselves.
 */
export const FAILURE_TYPES = {
  pipelineRunOwnershipConflict: 'PipelineRunOwnershipConflict',
  kubernetesForbidden: 'KubernetesForbidden',
  kubernetesRejected: 'KubernetesRejected',
  dataStorageRejected: 'DataStorageRejected',
} as const;
