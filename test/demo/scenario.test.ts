/**
 * The demo can run again and again on one stack: its WFE leaves no cooldown on its target (a second demo
 * within a real cooldown would sit Pending past the demo's deadline), and a queued WFE says why it waits.
 */
import { demoResources } from '../../src/demo/scenario';
import { statusLines } from '../../src/demo/progress';
import type { WorkflowExecutionStatus } from '../../src/domain/workflow-execution';
import { validateWorkflowExecution } from '../../src/domain/validation';

const settings = {
  images: {
    kubectl: '127.0.0.1:15050/kubernaut/actions/kubectl@sha256:' + 'a'.repeat(64),
    argocd: '127.0.0.1:15050/kubernaut/actions/argocd@sha256:' + 'b'.repeat(64),
  },
  stepDurationMs: 1_500,
};

describe('demo scenario', () => {
  it.each(['success', 'failure'] as const)(
    '%s: a valid WFE on the demo target with no cooldown after it',
    (scenario) => {
      const { workflowExecution } = demoResources(scenario, 'abc123', settings);
      expect(workflowExecution.spec).toMatchObject({ targetResource: 'demo/Deployment/payment-api', cooldown: '0s' });
      const result = validateWorkflowExecution({
        ...workflowExecution,
        metadata: { ...workflowExecution.metadata, uid: '00000000-0000-0000-0000-000000000001' },
      });
      expect(result.ok ? [] : result.errors).toEqual([]);
    },
  );

  it('shows why a queued WFE waits', () => {
    const status = {
      phase: 'Pending',
      targetLock: { reason: 'CooldownActive', position: 1, queueLength: 1 },
    } as WorkflowExecutionStatus;
    expect(statusLines(status, ['restart'])[0]).toBe(
      'WorkflowExecution Pending — waiting for its target (CooldownActive), position 1 of 1',
    );
  });
});
