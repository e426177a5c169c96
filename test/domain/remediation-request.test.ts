import { isTerminalRemediationPhase } from '../../src/domain/remediation-request';
import { RemediationRequestSchema } from '../../src/domain/remediation-request-schema';

describe('RemediationRequest', () => {
  it.each([
    ['Completed', true],
    ['Failed', true],
    ['TimedOut', true],
    ['Skipped', true],
    ['Cancelled', true],
    ['Executing', false],
    ['AwaitingApproval', false],
    [undefined, false],
  ])('phase %s terminal: %s', (phase, terminal) => {
    expect(isTerminalRemediationPhase(phase)).toBe(terminal);
  });

  it('reads the fields this project needs and keeps the orchestrator’s others', () => {
    const rr = RemediationRequestSchema.parse({
      metadata: { name: 'rr-1', namespace: 'demo' },
      spec: {
        targetResource: { kind: 'Deployment', name: 'api', namespace: 'demo' },
        signalName: 'HighLatency',
        priority: 'P1',
      },
      status: { overallPhase: 'Completed', extra: 1 },
    });
    expect(rr.spec.targetResource.kind).toBe('Deployment');
    expect(rr.spec.priority).toBe('P1');
    expect(rr.status?.overallPhase).toBe('Completed');
  });
});
