import { effectivenessAssessmentWorkflowId, workflowExecutionWorkflowId } from '../../src/domain/names';

describe('names', () => {
  it('derives the WorkflowExecution workflow id from namespace, name and uid', () => {
    expect(workflowExecutionWorkflowId({ namespace: 'prod', name: 'fix-1', uid: 'abc' })).toBe('wfe/prod/fix-1/abc');
  });
  it('derives the assessment id from the remediation alone, so duplicates collapse', () => {
    expect(effectivenessAssessmentWorkflowId({ namespace: 'prod', name: 'rr-1' })).toBe('effectiveness/prod/rr-1');
  });
});
