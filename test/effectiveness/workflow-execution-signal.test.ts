import { parseRemediationTerminal } from '../../src/domain/effectiveness/remediation-terminal-schema';
import {
  executionTerminalSignal,
  rejectedExecutionTerminalSignal,
  terminalPhaseOf,
} from '../../src/domain/effectiveness/workflow-execution-signal';
import type { FailureReason, WorkflowExecutionStatus } from '../../src/domain/workflow-execution';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const WFE = { namespace: 'prod', name: 'fix-web', uid: 'u-1' };

const failed = (reason: FailureReason): WorkflowExecutionStatus => ({
  phase: 'Failed',
  failureDetails: { reason, message: 'm', wasExecutionFailure: true, naturalLanguageSummary: 's' },
});

describe('terminalPhaseOf', () => {
  it.each<[string, WorkflowExecutionStatus, string]>([
    ['Completed', { phase: 'Completed' }, 'Completed'],
    ['Failed/DeadlineExceeded', failed('DeadlineExceeded'), 'TimedOut'],
    ['Failed/Cancelled', failed('Cancelled'), 'Cancelled'],
    ['Failed/TaskFailed', failed('TaskFailed'), 'Failed'],
    ['Failed/PipelineRunDeleted', failed('PipelineRunDeleted'), 'Failed'],
  ])('counts a WorkflowExecution ending %s as a remediation %s', (_what, status, phase) => {
    expect(terminalPhaseOf(status)).toBe(phase);
  });
});

describe('executionTerminalSignal', () => {
  const base = {
    remediation: { id: 'prod/rr-web', namespace: 'prod', name: 'rr-web' },
    workflowExecution: WFE,
    target: 'prod/Deployment/web',
    actionTypes: ['kubernetes/restart_pod', 'kubernetes/verify', 'kubernetes/restart_pod'],
    now: NOW,
  };

  it('names each action type once and ends when the status says', () => {
    const signal = executionTerminalSignal({
      ...base,
      status: { phase: 'Completed', completionTime: '2026-11-25T11:59:00Z' },
    });
    expect(signal).toEqual({
      remediation: base.remediation,
      phase: 'Completed',
      workflowExecution: WFE,
      target: 'prod/Deployment/web',
      actionTypes: ['kubernetes/restart_pod', 'kubernetes/verify'],
      endedAt: '2026-11-25T11:59:00Z',
    });
    expect(parseRemediationTerminal(signal)).toEqual(signal);
  });

  it('ends now when the status has no completion time', () => {
    expect(executionTerminalSignal({ ...base, status: failed('Cancelled') })).toMatchObject({
      phase: 'Cancelled',
      endedAt: NOW.toISOString(),
    });
  });
});

describe('rejectedExecutionTerminalSignal', () => {
  const rejected = (spec: unknown) => ({ metadata: { ...WFE }, spec });

  it('reports a rejected WorkflowExecution that still names its remediation and target', () => {
    const signal = rejectedExecutionTerminalSignal(
      rejected({
        remediationRequestRef: { name: 'rr-web' },
        targetResource: 'prod/Deployment/web',
        steps: [
          { actionType: 'kubernetes/restart_pod' },
          { actionType: '' },
          { actionType: 'kubernetes/restart_pod' },
          'x',
        ],
      }),
      WFE,
      'Failed',
      NOW,
    );
    expect(signal).toEqual({
      remediation: { id: 'prod/rr-web', namespace: 'prod', name: 'rr-web' },
      phase: 'Failed',
      workflowExecution: WFE,
      target: 'prod/Deployment/web',
      actionTypes: ['kubernetes/restart_pod'],
      endedAt: NOW.toISOString(),
    });
    expect(parseRemediationTerminal(signal)).toEqual(signal);
  });

  it('takes the remediation namespace from the reference when it names one', () => {
    const signal = rejectedExecutionTerminalSignal(
      rejected({ remediationRequestRef: { name: 'rr-web', namespace: 'ops' }, targetResource: 'Node/worker-1' }),
      WFE,
      'Failed',
      NOW,
    );
    expect(signal).toMatchObject({ remediation: { id: 'ops/rr-web' }, target: 'Node/worker-1', actionTypes: [] });
  });

  it.each([
    ['no remediation reference', { targetResource: 'prod/Deployment/web' }],
    ['a target without kind', { remediationRequestRef: { name: 'rr' }, targetResource: 'web' }],
    ['an empty target segment', { remediationRequestRef: { name: 'rr' }, targetResource: 'prod//web' }],
    ['no spec at all', undefined],
  ])('sends nothing for %s: there is nothing to assess', (_what, spec) => {
    expect(rejectedExecutionTerminalSignal(rejected(spec), WFE, 'Failed', NOW)).toBeUndefined();
  });
});
