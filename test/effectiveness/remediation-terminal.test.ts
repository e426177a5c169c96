import { parseRemediationTerminal } from '../../src/domain/effectiveness/remediation-terminal';

const valid = {
  remediation: { id: '6f1c2a9e-uid', namespace: 'prod', name: 'rr-web-oom' },
  phase: 'Completed',
  workflowExecution: { namespace: 'prod', name: 'wfe-web-oom', uid: 'a1b2' },
  target: 'prod/Deployment/web',
  actionTypes: ['kubernetes/restart_pod'],
  endedAt: '2025-10-01T12:00:00Z',
};

describe('parseRemediationTerminal', () => {
  it('accepts a signal from the WorkflowExecution workflow', () => {
    expect(parseRemediationTerminal(valid)).toEqual(valid);
  });

  it('accepts the watcher’s signal without a WFE reference or action types, for a cluster-scoped target', () => {
    const { workflowExecution: _omit, ...rest } = valid;
    const parsed = parseRemediationTerminal({ ...rest, target: 'Node/worker-1', actionTypes: [], phase: 'TimedOut' });
    expect(parsed.workflowExecution).toBeUndefined();
    expect(parsed.target).toBe('Node/worker-1');
  });

  it('accepts every terminal phase', () => {
    for (const phase of ['Completed', 'Failed', 'TimedOut', 'Cancelled', 'Skipped']) {
      expect(parseRemediationTerminal({ ...valid, phase }).phase).toBe(phase);
    }
  });

  it.each([
    {
      change: { phase: 'Executing' },
      message: '$.phase: must be one of Completed, Failed, TimedOut, Cancelled, Skipped',
    },
    { change: { target: 'web' }, message: '$.target: must be `namespace/Kind/name` or `Kind/name`' },
    { change: { target: 'prod//web' }, message: '$.target: must be `namespace/Kind/name` or `Kind/name`' },
    { change: { actionTypes: ['ok', ''] }, message: '$.actionTypes[1]: must be a non-empty string' },
    { change: { endedAt: '2025-10-01' }, message: '$.endedAt: must be an RFC 3339 timestamp' },
    {
      change: { remediation: { id: '', namespace: 'prod', name: 'rr' } },
      message: '$.remediation.id: must be a non-empty string',
    },
    { change: { workflowExecution: { namespace: 'prod', name: 'w' } }, message: '$.workflowExecution.uid' },
    { change: { stabilizationWindowMs: -1 }, message: '$.stabilizationWindowMs: must be >= 0' },
  ])('rejects $change with “$message”', ({ change, message }) => {
    expect(() => parseRemediationTerminal({ ...valid, ...change })).toThrow(message);
  });
});
