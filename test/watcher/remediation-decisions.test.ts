import { parseRemediationTerminal } from '../../src/domain/effectiveness/remediation-terminal-schema';
import type { KubernetesObject } from '../../src/kubernetes/resources';
import { decideRemediationRequest } from '../../src/watcher/remediation-decisions';

const NOW = new Date('2026-11-25T12:00:00.000Z');

function rr(
  o: { phase?: string; target?: Record<string, unknown>; status?: Record<string, unknown> } = {},
): KubernetesObject {
  return {
    apiVersion: 'kubernaut.ai/v1alpha1',
    kind: 'RemediationRequest',
    metadata: { namespace: 'shop', name: 'rr-web-latency', uid: '0b7e5a4c-1111-4d2e-8f00-5a6b7c8d9e0f' },
    spec: {
      signalName: 'HighLatency',
      targetResource: o.target ?? { kind: 'Deployment', name: 'web', namespace: 'shop' },
    },
    ...((o.phase || o.status) && { status: { ...(o.phase && { overallPhase: o.phase }), ...o.status } }),
  };
}

describe('decideRemediationRequest', () => {
  it.each(['Completed', 'Failed', 'TimedOut', 'Skipped', 'Cancelled'])(
    'reports a RemediationRequest that reached %s',
    (phase) => {
      const decision = decideRemediationRequest(rr({ phase }), { now: NOW });
      expect(decision).toEqual({
        action: 'signal',
        reason: 'terminal',
        signal: {
          remediation: { id: 'shop/rr-web-latency', namespace: 'shop', name: 'rr-web-latency' },
          phase,
          target: 'shop/Deployment/web',
          actionTypes: [],
          endedAt: NOW.toISOString(),
        },
      });
      // What it sends is what the monitor accepts.
      if (decision.action === 'signal') expect(parseRemediationTerminal(decision.signal)).toEqual(decision.signal);
    },
  );

  it.each(['Pending', 'Processing', 'Analyzing', 'AwaitingApproval', 'Executing', 'Verifying', 'Blocked'])(
    'waits while the phase is %s',
    (phase) => {
      expect(decideRemediationRequest(rr({ phase }), { now: NOW })).toEqual({
        action: 'ignore',
        reason: 'notTerminal',
      });
    },
  );

  it('waits while there is no status', () => {
    expect(decideRemediationRequest(rr(), { now: NOW })).toEqual({ action: 'ignore', reason: 'notTerminal' });
  });

  it('does not report the same terminal phase twice from one process', () => {
    expect(decideRemediationRequest(rr({ phase: 'TimedOut' }), { now: NOW, signalledPhase: 'TimedOut' })).toEqual({
      action: 'ignore',
      reason: 'signalledHere',
    });
  });

  it('reports again when the terminal phase changed (the monitor dedupes)', () => {
    const decision = decideRemediationRequest(rr({ phase: 'Failed' }), { now: NOW, signalledPhase: 'TimedOut' });
    expect(decision.action).toBe('signal');
  });

  it('uses the completion time the orchestrator wrote', () => {
    const decision = decideRemediationRequest(
      rr({ phase: 'Completed', status: { completedAt: '2026-11-25T11:58:00Z' } }),
      {
        now: NOW,
      },
    );
    expect(decision.action === 'signal' && decision.signal.endedAt).toBe('2026-11-25T11:58:00Z');
  });

  it('falls back to now when the completion time is not a timestamp', () => {
    const decision = decideRemediationRequest(rr({ phase: 'Completed', status: { completedAt: 'yesterday' } }), {
      now: NOW,
    });
    expect(decision.action === 'signal' && decision.signal.endedAt).toBe(NOW.toISOString());
  });

  it('names a cluster-scoped target without namespace', () => {
    const decision = decideRemediationRequest(rr({ phase: 'Failed', target: { kind: 'Node', name: 'worker-3' } }), {
      now: NOW,
    });
    expect(decision.action === 'signal' && decision.signal.target).toBe('Node/worker-3');
  });

  it('does not report a target it cannot name', () => {
    for (const target of [{ kind: 'Deployment' }, { kind: '', name: 'web' }, { kind: 'Deploy ment', name: 'web' }]) {
      expect(decideRemediationRequest(rr({ phase: 'Failed', target }), { now: NOW })).toEqual({
        action: 'ignore',
        reason: 'noTarget',
      });
    }
  });
});
