import { FAILURE_TYPES, failureReasonOf } from '../../src/domain/activity-failures';

describe('failureReasonOf', () => {
  it.each([
    [FAILURE_TYPES.kubernetesForbidden, 'Forbidden'],
    [FAILURE_TYPES.pipelineRunOwnershipConflict, 'ConfigurationError'],
    [FAILURE_TYPES.kubernetesRejected, 'ConfigurationError'],
    [FAILURE_TYPES.dataStorageRejected, 'Unknown'],
    ['SomethingElse', 'Unknown'],
    ['toString', 'Unknown'],
    [undefined, 'Unknown'],
  ])('maps the activity failure type %s to the WorkflowExecution reason %s', (type, reason) => {
    expect(failureReasonOf(type)).toBe(reason);
  });
});
