import {
  actionTypesOf,
  MAX_REQUESTED_BY_LENGTH,
  readUnvalidatedWorkflowExecution,
} from '../../src/domain/unvalidated-workflow-execution';
import { readExample } from '../support/examples';

describe('readUnvalidatedWorkflowExecution', () => {
  it('reads what a WorkflowExecution from the API server names', () => {
    const wfe = {
      metadata: { namespace: 'prod', name: 'fix-web', uid: 'u-1', generation: 2 },
      spec: {
        remediationRequestRef: { name: 'rr-web', namespace: 'ops' },
        targetResource: 'prod/Deployment/web',
        timeout: '1h30m',
        steps: [
          { name: 'restart', actionType: 'kubernetes/restart_pod' },
          { name: 'verify', actionType: 'kubernetes/verify' },
        ],
      },
      status: { phase: 'Running', temporal: { namespace: 'default', workflowId: 'wfe/prod/fix-web/u-1' } },
    };
    expect(readUnvalidatedWorkflowExecution(wfe)).toEqual({
      namespace: 'prod',
      name: 'fix-web',
      uid: 'u-1',
      generation: 2,
      remediationRequestRef: { name: 'rr-web', namespace: 'ops' },
      targetResource: 'prod/Deployment/web',
      timeout: '1h30m',
      steps: [
        { name: 'restart', actionType: 'kubernetes/restart_pod' },
        { name: 'verify', actionType: 'kubernetes/verify' },
      ],
      phase: 'Running',
      temporalWorkflowId: 'wfe/prod/fix-web/u-1',
      hasTemporalStatus: true,
    });
  });

  it('reads who asked from the kubernaut.ai/requested-by annotation, only when it can be a user name', () => {
    const by = (annotations: unknown) => readUnvalidatedWorkflowExecution({ metadata: { annotations } }).requestedBy;
    expect(by({ 'kubernaut.ai/requested-by': 'system:serviceaccount:kubernaut-system:orchestrator' })).toBe(
      'system:serviceaccount:kubernaut-system:orchestrator',
    );
    expect(by({ other: 'alice' })).toBeUndefined();
    expect(by({ 'kubernaut.ai/requested-by': '' })).toBeUndefined();
    expect(by({ 'kubernaut.ai/requested-by': 7 })).toBeUndefined();
    expect(by('kubernaut.ai/requested-by=alice')).toBeUndefined();
    expect(by({ 'kubernaut.ai/requested-by': 'a'.repeat(MAX_REQUESTED_BY_LENGTH) })).toHaveLength(512);
    expect(by({ 'kubernaut.ai/requested-by': 'a'.repeat(MAX_REQUESTED_BY_LENGTH + 1) })).toBeUndefined();
  });

  it('reads the examples, the invalid one included, without throwing', () => {
    for (const file of ['restart-pod.yaml', 'dag-remediation.yaml', 'invalid.yaml']) {
      const read = readUnvalidatedWorkflowExecution(readExample(file));
      expect(read.name).toEqual(expect.any(String));
      expect(read.hasTemporalStatus).toBe(false);
    }
  });

  it.each([
    ['nothing', undefined],
    ['a string', 'wfe'],
    ['an array', []],
    ['fields of the wrong type', { metadata: 'x', spec: [], status: 7 }],
    [
      'nested fields of the wrong type',
      {
        metadata: { namespace: 3, name: null, uid: {}, generation: '2' },
        spec: { remediationRequestRef: 'rr', targetResource: ['prod/Deployment/web'], timeout: 90, steps: 'restart' },
        status: { phase: 1, temporal: 0 },
      },
    ],
  ])('reads %s as absent fields', (_what, value) => {
    expect(readUnvalidatedWorkflowExecution(value)).toEqual({ steps: [], hasTemporalStatus: false });
  });

  it('counts a status.temporal of any truthy value as set, but reads a workflow id only from a string', () => {
    expect(readUnvalidatedWorkflowExecution({ status: { temporal: 'yes' } })).toMatchObject({
      hasTemporalStatus: true,
    });
    expect(readUnvalidatedWorkflowExecution({ status: { temporal: { workflowId: 5 } } })).toEqual({
      steps: [],
      hasTemporalStatus: true,
    });
  });

  it('needs a non-empty name to read a remediation reference; a namespace of another type is left out', () => {
    const ref = (remediationRequestRef: unknown) =>
      readUnvalidatedWorkflowExecution({ spec: { remediationRequestRef } }).remediationRequestRef;
    expect(ref({ name: 'rr-1' })).toEqual({ name: 'rr-1' });
    expect(ref({ name: 'rr-1', namespace: 5 })).toEqual({ name: 'rr-1' });
    expect(ref({ name: '' })).toBeUndefined();
    expect(ref({ namespace: 'ops' })).toBeUndefined();
  });

  it('keeps one entry per step, in order, reading non-objects as empty steps', () => {
    const read = readUnvalidatedWorkflowExecution({
      spec: {
        steps: [{ name: 'a', actionType: 'x/one' }, 'b', null, { name: 7, actionType: '' }, { actionType: 'x/one' }],
      },
    });
    expect(read.steps).toEqual([
      { name: 'a', actionType: 'x/one' },
      {},
      {},
      { actionType: '' },
      { actionType: 'x/one' },
    ]);
    expect(actionTypesOf(read)).toEqual(['x/one', '', 'x/one']);
  });
});
